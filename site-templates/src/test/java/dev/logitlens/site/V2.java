package dev.logitlens.site;

import dev.logitlens.core.format.V2Json;
import dev.logitlens.core.lens.LensResult;

import java.nio.charset.StandardCharsets;

/**
 * The seed's V2 document for a result (tracked keyed by token string, last id wins on collisions,
 * probabilities rounded to 5 decimals), without optional whitespace: the smallest honest V2 size to
 * compare the widget's data against. Written by core's {@link V2Json}, whose exactness is
 * checked against hand-computed documents in core's RunJsonTest.
 */
final class V2 {
    private V2() {
    }

    static String json(LensResult r, String model) {
        return new String(V2Json.write(r, model), StandardCharsets.UTF_8);
    }
}
