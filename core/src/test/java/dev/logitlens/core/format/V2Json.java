package dev.logitlens.core.format;

import dev.logitlens.core.lens.LensResult;

/**
 * Only the seed's V2 document ({@code meta}, {@code input}, {@code layers}, {@code topk}, {@code tracked}),
 * exactly as its {@code to_js_format} builds it, without our lossless section: the size the site's page data
 * is measured against. Written by the same code as the V2 part of every run document.
 */
public final class V2Json {
    private V2Json() {}

    /** @param model {@code meta.model} */
    public static byte[] write(LensResult r, String model) {
        return RunJsonWriter.object(g -> RunJsonWriter.v2(g, r, model));
    }
}
