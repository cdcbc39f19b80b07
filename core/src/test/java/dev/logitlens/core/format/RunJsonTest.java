package dev.logitlens.core.format;

import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunJsonTest {

    /** P = 2, L = 2, k = 2; ids 3 and 4 both decode to "x" (a V2 collision at position 0). */
    static LensResult tiny() {
        SortedMap<Integer, String> vocab = new TreeMap<>(Map.of(3, "x", 4, "x", 5, "a", 7, " b", 9, "!"));
        return new LensResult(new int[] {5, 7}, new String[] {"a", " b"}, new int[] {0, 2}, 2,
                new int[][][] {{{3, 9}, {9, 5}}, {{4, 9}, {5, 9}}},
                new int[][] {{3, 4, 9}, {5, 9}},
                new float[][][] {{{0.5f, 0.125f, 0.123456789f}, {1.23e-5f, 0.75f, 0.1875f}},
                        {{0.1f, 0.6f}, {0.7f, 0.2f}}},
                vocab,
                new float[][] {{1.5f, 0.25f}, {2.0f, 1e-8f}},
                new float[][] {{0.5f, Float.NaN}, {0f, 0f}},
                new int[] {4, 5},
                new float[][] {{0.125f, 0.1f}, {0.75f, 0.7f}},
                new int[][] {{2, 1}, {1, 1}});
    }

    static Provenance tinyProvenance() {
        return new Provenance("tiny", "path:models/tiny", null, "abc", "float32", "cpu", 2, List.of(0, 2), "a b",
                "0.1.0-test");
    }

    @Test
    void writesExactlyTheExpectedDocument() {
        // Worked out by hand from docs/data-format.md and the seed's to_js_format:
        // V2 tracked[0] keeps "x" at the place of id 3 with the trajectory of id 4 (the last one written);
        // V2 numbers are round(p, 5) printed as Python prints them; ours are the shortest exact decimals.
        String expected = "{\"meta\":{\"version\":2,\"model\":\"tiny\"},"
                + "\"input\":[\"a\",\" b\"],"
                + "\"layers\":[0,2],"
                + "\"topk\":[[[\"x\",\"!\"],[\"!\",\"a\"]],[[\"x\",\"!\"],[\"a\",\"!\"]]],"
                + "\"tracked\":[{\"x\":[0.125,0.75],\"!\":[0.12346,0.1875]},{\"a\":[0.1,0.7],\"!\":[0.6,0.2]}],"
                + "\"logitlens\":{\"format\":1,\"k\":2,\"inputIds\":[5,7],"
                + "\"topk\":[[[3,9],[9,5]],[[4,9],[5,9]]],"
                + "\"tracked\":[[3,4,9],[5,9]],"
                + "\"probs\":[[[0.5,0.125,0.12345679],[1.23e-05,0.75,0.1875]],[[0.1,0.6],[0.7,0.2]]],"
                + "\"vocab\":{\"3\":\"x\",\"4\":\"x\",\"5\":\"a\",\"7\":\" b\",\"9\":\"!\"},"
                + "\"finalTop1\":[4,5],"
                + "\"metrics\":{\"entropy\":[[1.5,0.25],[2.0,1e-08]],\"klToFinal\":[[0.5,\"NaN\"],[0.0,0.0]],"
                + "\"finalTop1Prob\":[[0.125,0.1],[0.75,0.7]],\"finalTop1Rank\":[[2,1],[1,1]]},"
                + "\"settle\":[1,0]},"
                + "\"provenance\":{\"modelId\":\"tiny\",\"source\":\"path:models/tiny\",\"revision\":null,"
                + "\"weightsHash\":\"abc\",\"dtype\":\"float32\",\"device\":\"cpu\",\"k\":2,\"layers\":[0,2],"
                + "\"prompt\":\"a b\",\"toolVersion\":\"0.1.0-test\"}}\n";
        assertEquals(expected, new String(RunJson.write(tiny(), tinyProvenance()), StandardCharsets.UTF_8));
    }

    @Test
    void v2OnlyDocumentIsTheSeedFormatAlone() {
        String expected = "{\"meta\":{\"version\":2,\"model\":\"tiny\"},"
                + "\"input\":[\"a\",\" b\"],"
                + "\"layers\":[0,2],"
                + "\"topk\":[[[\"x\",\"!\"],[\"!\",\"a\"]],[[\"x\",\"!\"],[\"a\",\"!\"]]],"
                + "\"tracked\":[{\"x\":[0.125,0.75],\"!\":[0.12346,0.1875]},{\"a\":[0.1,0.7],\"!\":[0.6,0.2]}]}";
        assertEquals(expected, new String(V2Json.write(tiny(), "tiny"), StandardCharsets.UTF_8));
    }

    @Test
    void v2CollisionLosesAnIdButTheLosslessSectionKeepsBoth() {
        List<Map<String, float[]>> v2 = RunJsonWriter.v2Tracked(tiny());
        assertEquals(List.of("x", "!"), List.copyOf(v2.get(0).keySet()));
        assertArrayEquals(new float[] {0.125f, 0.75f}, v2.get(0).get("x")); // id 4's, not id 3's

        RunJson.Document back = RunJson.read(RunJson.write(tiny(), tinyProvenance()), "tiny.json");
        assertArrayEquals(new int[] {3, 4, 9}, back.result().tracked()[0]);
        assertEquals(0.5f, back.result().prob(0, 0, 3));
        assertEquals(0.125f, back.result().prob(0, 0, 4));
    }

    @Test
    void roundTripIsLosslessAndByteStable() {
        Random rng = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            LensResult r = random(rng);
            Provenance p = new Provenance("m" + trial, "hub:org/m", trial % 2 == 0 ? null : "c0ffee", "h" + trial,
                    "float16", "gpu(0)", r.k(), Arrays.stream(r.layers()).boxed().toList(), "pr\u00e9mpt \"q\"\n",
                    "9.9");
            byte[] once = RunJson.write(r, p);
            RunJson.Document back = RunJson.read(once, "t.json");
            assertSame(r, back.result());
            assertEquals(p, back.provenance());
            assertArrayEquals(once, RunJson.write(back.result(), back.provenance()));
        }
    }

    @Test
    void exactDecimalsReadBackAsTheSameFloat() {
        Random rng = new Random(11);
        for (int i = 0; i < 50_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt());
            if (!Float.isFinite(f)) {
                continue;
            }
            String s = PythonFloats.exact(f);
            assertEquals(Float.floatToIntBits(f), Float.floatToIntBits(Float.parseFloat(s)), s);
        }
        assertEquals("0.1", PythonFloats.exact(0.1f));
        assertEquals("1e-45", PythonFloats.exact(Float.MIN_VALUE));
        assertEquals("3.4028235e+38", PythonFloats.exact(Float.MAX_VALUE));
        assertEquals("100.0", PythonFloats.exact(100f));
    }

    @Test
    void roundsToFiveDecimalsAsPythonDoes() {
        // Values from Python: round(float(np.float32(x)), 5), printed by json.dumps.
        assertEquals("1e-05", PythonFloats.round5(1.5e-5f)); // the float is 1.4999999621e-05: below the tie
        assertEquals("0.12346", PythonFloats.round5(0.123456789f));
        assertEquals("0.0", PythonFloats.round5(4e-6f));
        assertEquals("0.0001", PythonFloats.round5(1e-4f));
        assertEquals("1.0", PythonFloats.round5(0.999999f));
        assertEquals("0.33333", PythonFloats.round5(1f / 3));
    }

    @Test
    void badDocumentsNameTheFileAndField() {
        byte[] good = RunJson.write(tiny(), tinyProvenance());
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        RunJson.RunJsonException e = assertThrows(RunJson.RunJsonException.class,
                () -> RunJson.read(truncated, "cache/ab.json"));
        assertTrue(e.getMessage().startsWith("cache/ab.json: not valid JSON"), e.getMessage());

        String wrongFormat = new String(good, StandardCharsets.UTF_8).replace("\"format\":1", "\"format\":99");
        e = assertThrows(RunJson.RunJsonException.class,
                () -> RunJson.read(wrongFormat.getBytes(StandardCharsets.UTF_8), "x.json"));
        assertTrue(e.getMessage().startsWith("x.json: logitlens.format: this logitlens reads format 1"), e.getMessage());

        String badCell = new String(good, StandardCharsets.UTF_8).replace("[[[3,9],[9,5]]", "[[[3],[9,5]]");
        e = assertThrows(RunJson.RunJsonException.class,
                () -> RunJson.read(badCell.getBytes(StandardCharsets.UTF_8), "y.json"));
        assertEquals("y.json: logitlens.topk[0]: a cell does not hold k = 2 ids", e.getMessage());
    }

    private static void assertSame(LensResult a, LensResult b) {
        assertArrayEquals(a.inputIds(), b.inputIds());
        assertArrayEquals(a.input(), b.input());
        assertArrayEquals(a.layers(), b.layers());
        assertEquals(a.k(), b.k());
        assertTrue(Arrays.deepEquals(a.topk(), b.topk()));
        assertTrue(Arrays.deepEquals(a.tracked(), b.tracked()));
        assertTrue(Arrays.deepEquals(a.probs(), b.probs())); // float[] equality is bitwise: exact
        assertEquals(a.vocab(), b.vocab());
        assertTrue(Arrays.deepEquals(a.entropy(), b.entropy()));
        assertTrue(Arrays.deepEquals(a.klToFinal(), b.klToFinal()));
        assertArrayEquals(a.finalTop1(), b.finalTop1());
        assertTrue(Arrays.deepEquals(a.finalTop1Prob(), b.finalTop1Prob()));
        assertTrue(Arrays.deepEquals(a.finalTop1Rank(), b.finalTop1Rank()));
    }

    /** A shape-consistent result with arbitrary numbers, including extremes the writer must not lose. */
    private static LensResult random(Random rng) {
        int p = 1 + rng.nextInt(5);
        int l = 1 + rng.nextInt(4);
        int k = 1 + rng.nextInt(3);
        int vocabSize = 12;
        int[] ids = rng.ints(p, 0, vocabSize).toArray();
        int[][][] topk = new int[l][p][];
        for (int li = 0; li < l; li++) {
            for (int pos = 0; pos < p; pos++) {
                topk[li][pos] = rng.ints(0, vocabSize).distinct().limit(k).toArray();
            }
        }
        int[][] tracked = new int[p][];
        float[][][] probs = new float[p][l][];
        for (int pos = 0; pos < p; pos++) {
            TreeSet<Integer> set = new TreeSet<>();
            for (int li = 0; li < l; li++) {
                for (int id : topk[li][pos]) {
                    set.add(id);
                }
            }
            tracked[pos] = set.stream().mapToInt(Integer::intValue).toArray();
            for (int li = 0; li < l; li++) {
                probs[pos][li] = new float[tracked[pos].length];
                for (int j = 0; j < probs[pos][li].length; j++) {
                    probs[pos][li][j] = special(rng);
                }
            }
        }
        SortedMap<Integer, String> vocab = new TreeMap<>();
        for (int i = 0; i < vocabSize; i++) {
            vocab.put(i, i % 3 == 0 ? "\u00e9" : i % 3 == 1 ? " t" + i : "\\x" + i); // collisions included
        }
        int[] finalTop1 = rng.ints(p, 0, vocabSize).toArray();
        float[][] ent = new float[l][p];
        float[][] kl = new float[l][p];
        float[][] t1p = new float[l][p];
        int[][] rank = new int[l][p];
        for (int li = 0; li < l; li++) {
            for (int pos = 0; pos < p; pos++) {
                ent[li][pos] = special(rng);
                kl[li][pos] = special(rng);
                t1p[li][pos] = special(rng);
                rank[li][pos] = 1 + rng.nextInt(vocabSize);
            }
        }
        String[] input = Arrays.stream(ids).mapToObj(vocab::get).toArray(String[]::new);
        int[] layers = java.util.stream.IntStream.range(0, l).map(i -> i * 2).toArray();
        return new LensResult(ids, input, layers, k, topk, tracked, probs, vocab, ent, kl, finalTop1, t1p, rank);
    }

    private static float special(Random rng) {
        return switch (rng.nextInt(8)) {
            case 0 -> 0f;
            case 1 -> Float.MIN_VALUE;
            case 2 -> Float.NaN;
            case 3 -> Float.POSITIVE_INFINITY;
            case 4 -> 1f;
            default -> rng.nextFloat() * (float) Math.pow(10, -rng.nextInt(12));
        };
    }
}
