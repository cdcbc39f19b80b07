package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CompactTest {
    @Test
    void dropsIndentationBlankLinesAndWholeLineComments() {
        String src = "/* header\n   spans lines */\n'use strict';\n\n  // a note\n  const a = '//kept'; // kept too\n"
                + "  /** one line */\n  x = a /* inline, kept */ + 1;\n.c { color: red; }\n";
        assertEquals("'use strict';\nconst a = '//kept'; // kept too\nx = a /* inline, kept */ + 1;\n.c { color: red; }\n",
                Compact.text(src));
    }
}
