package dev.logitlens.site;

import java.util.List;

/** What the templates read. Hrefs are relative to the site root; templates prefix the page's {@code root}. */
final class Views {
    private Views() {
    }

    record ModelLink(String id, String label, String source, String href) {
    }

    record PromptLink(String id, String text, List<String> tags, String href) {
    }

    /**
     * One model × prompt cell.
     *
     * @param state   {@code ok}, {@code failed} or {@code missing} (no run was attempted)
     * @param token   final top-1 token at the last position, whitespace made visible
     * @param prob    its probability at the last lensed layer, formatted
     * @param settle  where it settles, e.g. {@code layer 9} or {@code never}
     */
    record RunCell(String modelId, String promptId, String state, String href, String failure, String token,
                   String prob, String settle, Heatmap.Svg thumb, String title) {
        public boolean ok() {
            return "ok".equals(state);
        }
    }

    record PromptRow(PromptLink prompt, List<RunCell> cells) {
    }

    /** A model's column on a prompt page. */
    record DepthColumn(ModelLink model, RunCell cell, List<String> inputTokens, Heatmap.Svg map, int svgHeight,
                       String seriesClass) {
    }

    /** One model's line in the prompt page's relative-depth chart. */
    record Series(String cls, String label, String points) {
    }

    record Fact(String name, String value) {
    }

    record Link(String href, String text, boolean ok) {
    }

    /** One run on the compare page's lists: {@code model/prompt} and what the list shows. */
    record CompareOption(String key, String label) {
    }
}
