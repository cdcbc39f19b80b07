package dev.logitlens.core.source;

import java.util.Locale;

/**
 * The kinds of hub repo, with the URL and cache names huggingface_hub gives them: a model lives at
 * {@code /{repo}}, a space at {@code /spaces/{repo}}; their listings at {@code /api/models|spaces/{repo}};
 * their caches in {@code models--org--name} and {@code spaces--org--name}.
 */
public enum RepoType {
    MODEL("model", "models", ""),
    SPACE("space", "spaces", "spaces/");

    private final String word;
    private final String plural;
    private final String urlPrefix;

    RepoType(String word, String plural, String urlPrefix) {
        this.word = word;
        this.plural = plural;
        this.urlPrefix = urlPrefix;
    }

    /** {@code model} or {@code space}, as the gallery and huggingface_hub's repo_type spell it. */
    public String word() {
        return word;
    }

    String apiSegment() {
        return plural;
    }

    String urlPrefix() {
        return urlPrefix;
    }

    String cachePrefix() {
        return plural + "--";
    }

    /** "Model" or "Space", to start a message. */
    String noun() {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** Parses {@code model} or {@code space} (any case); null for anything else. */
    public static RepoType parse(String s) {
        for (RepoType t : values()) {
            if (t.word.equals(s == null ? null : s.strip().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        return null;
    }
}
