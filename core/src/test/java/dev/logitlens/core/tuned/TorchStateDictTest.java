package dev.logitlens.core.tuned;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** params.pt files written by real PyTorch (see make_fixtures.py beside them) and hostile ones made here. */
class TorchStateDictTest {
    static final String FIXTURES = "/dev/logitlens/core/tuned/";

    @TempDir
    Path dir;

    static Path fixture(String name, Path into) throws IOException {
        Path p = into.resolve(name);
        try (InputStream in = TorchStateDictTest.class.getResourceAsStream(FIXTURES + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    static JsonNode expected() throws IOException {
        try (InputStream in = TorchStateDictTest.class.getResourceAsStream(FIXTURES + "expected.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void readsWhatPyTorchWroteExactlyInEveryStoredDtype() throws IOException {
        JsonNode expected = expected();
        for (String dtype : new String[] {"f32", "f16", "bf16"}) {
            Map<String, StoredTensor> state = TorchStateDict.read(fixture("params-" + dtype + ".pt", dir), "x");
            JsonNode want = expected.get(dtype);
            assertEquals(6, state.size(), dtype);
            assertEquals(java.util.List.of("0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"),
                    java.util.List.copyOf(state.keySet()), dtype + ": the file's order");
            for (Map.Entry<String, StoredTensor> e : state.entrySet()) {
                JsonNode values = want.get(e.getKey());
                float[] w = new float[values.size()];
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) values.get(i).asDouble();
                }
                assertArrayEquals(w, e.getValue().values(), 0f, dtype + " " + e.getKey());
                JsonNode shape = expected.get(dtype + "_shapes").get(e.getKey());
                assertEquals(shape.size(), e.getValue().shape().length);
                assertEquals(shape.get(0).asLong(), e.getValue().shape()[0]);
            }
            assertEquals(Map.of("f32", "float32", "f16", "float16", "bf16", "bfloat16").get(dtype),
                    state.get("0.weight").dtype());
        }
    }

    @Test
    void theTopFolderNameDoesNotMatter() throws IOException {
        Path original = fixture("params-f32.pt", dir);
        Map<String, byte[]> entries = entries(original);
        Map<String, byte[]> renamed = new LinkedHashMap<>();
        entries.forEach((k, v) -> renamed.put("archive" + k.substring(k.indexOf('/')), v));
        Path moved = zip(dir.resolve("moved.pt"), renamed);
        Map<String, StoredTensor> a = TorchStateDict.read(original, "a");
        Map<String, StoredTensor> b = TorchStateDict.read(moved, "b");
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).values(), b.get(k).values(), 0f, k);
        }
    }

    @Test
    void aReduceOfOsSystemIsRefusedAndNothingRuns() throws IOException {
        Path marker = dir.resolve("ran");
        byte[] pkl = pickle(op(0x80, 2), global("posix", "system"), unicode("touch " + marker), op('\u0085'),
                op('R'), op('.'));
        String msg = refused(zipWithPickle("evil.pt", pkl));
        assertTrue(msg.contains("lens L: params.pt") && msg.contains("refused the global posix.system"), msg);
        assertTrue(!Files.exists(marker));
        String msg2 = refused(zipWithPickle("evil2.pt", pickle(op(0x80, 4), unicode("os"), unicode("system"),
                op('\u0093'), unicode("id"), op('\u0085'), op('R'), op('.'))));
        assertTrue(msg2.contains("refused the global os.system"), msg2);
    }

    @Test
    void unexpectedGlobalsAndConstructionsAreRefused() throws IOException {
        // builtins.eval is a global; collections.OrderedDict with arguments is a call it does not need
        assertTrue(refused(zipWithPickle("a.pt", pickle(op(0x80, 2), global("builtins", "eval"), unicode("1"),
                op('\u0085'), op('R'), op('.')))).contains("refused the global builtins.eval"));
        assertTrue(refused(zipWithPickle("b.pt", pickle(op(0x80, 2), global("torch", "FloatStorage"), op(')'),
                op('R'), op('.')))).contains("refused a call of torch.FloatStorage"));
        assertTrue(refused(zipWithPickle("c.pt", pickle(op('('), bytes("iposix\nsystem\n"), op('.'))))
                .contains("refused the global posix.system"));
        // a storage type that a float tensor never has
        assertTrue(refused(zipWithPickle("d.pt", pickle(op(0x80, 2), global("torch", "LongStorage"), op('.'))))
                .contains("refused the global torch.LongStorage"));
        // the root is not a state dict
        assertTrue(refused(zipWithPickle("e.pt", pickle(op(0x80, 2), unicode("hello"), op('.'))))
                .contains("not a state dict"));
    }

    @Test
    void truncatedAndForeignFilesAreRefused() throws IOException {
        byte[] full = Files.readAllBytes(fixture("params-f32.pt", dir));
        Path cut = Files.write(dir.resolve("cut.pt"), Arrays.copyOf(full, full.length / 2));
        String msg = refused(cut);
        assertTrue(msg.contains("lens L: params.pt") && msg.contains("not a readable zip"), msg);
        Path legacy = Files.write(dir.resolve("legacy.pt"), pickle(op(0x80, 2), op('}'), op('.')));
        assertTrue(refused(legacy).contains("_use_new_zipfile_serialization"));
        // a storage whose bytes are fewer than its tensor needs
        Map<String, byte[]> e = entries(fixture("params-f32.pt", dir));
        e.put("params-f32/data/0", new byte[12]);
        assertTrue(refused(zip(dir.resolve("short.pt"), e)).contains("holds 12 bytes"));
    }

    private static String refused(Path file) {
        return assertThrows(TunedLensException.class, () -> TorchStateDict.read(file, "tuned lens L: params.pt"))
                .getMessage();
    }

    // ---- building files ------------------------------------------------------------------------

    static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                try (InputStream in = z.getInputStream(e)) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return file;
    }

    private Path zipWithPickle(String name, byte[] pkl) throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("evil/data.pkl", pkl);
        e.put("evil/version", bytes("3\n"));
        return zip(dir.resolve(name), e);
    }

    static byte[] pickle(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] op(int... codes) {
        byte[] b = new byte[codes.length];
        for (int i = 0; i < codes.length; i++) {
            b[i] = (byte) codes[i];
        }
        return b;
    }

    static byte[] op(char c) {
        return new byte[] {(byte) c};
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] global(String module, String name) {
        return bytes("c" + module + "\n" + name + "\n");
    }

    /** SHORT_BINUNICODE. */
    static byte[] unicode(String s) {
        byte[] u = bytes(s);
        byte[] out = new byte[u.length + 2];
        out[0] = (byte) 0x8c;
        out[1] = (byte) u.length;
        System.arraycopy(u, 0, out, 2, u.length);
        return out;
    }
}
