package dev.logitlens.core.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.djl.Djl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Encodes prompts with Hugging Face's own tokenizer (via DJL, so special tokens come from the
 * post-processor exactly as {@code tokenizer.encode} adds them) and turns single ids into display
 * strings that keep their leading space.
 *
 * <p>Why not {@code decode([id])}: Llama-style decoders strip the leading space of a lone token, so
 * {@code ▁Lily} would show as {@code Lily}. We map the vocabulary piece ourselves: byte-level pieces
 * through GPT-2's byte alphabet, {@code ▁} to a space, {@code <0xNN>} byte-fallback pieces to their
 * byte; bytes that are not valid UTF-8 on their own (half a character) are shown as {@code \xNN}.
 */
public final class LensTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final Map<Integer, String> pieces;
    private final Map<Integer, Boolean> special;
    private final boolean byteLevel;
    private final boolean metaspace;
    private final boolean byteFallback;
    private final Path file;
    /** From tokenizer_config.json: force a BOS / EOS id on or off, or null to leave the post-processor's choice. */
    private SpecialPolicy bos = SpecialPolicy.NONE;
    private SpecialPolicy eos = SpecialPolicy.NONE;
    private int unknownId = -1;

    /** Whether {@code add_bos_token} / {@code add_eos_token} is set, and to which id it applies. */
    private record SpecialPolicy(Boolean add, int id) {
        static final SpecialPolicy NONE = new SpecialPolicy(null, -1);
    }

    private LensTokenizer(Path file, HuggingFaceTokenizer tokenizer, Map<Integer, String> pieces,
                          Map<Integer, Boolean> special, boolean byteLevel, boolean metaspace, boolean byteFallback) {
        this.file = file;
        this.tokenizer = tokenizer;
        this.pieces = pieces;
        this.special = special;
        this.byteLevel = byteLevel;
        this.metaspace = metaspace;
        this.byteFallback = byteFallback;
    }

    /** Loads {@code tokenizer.json} (Hugging Face "fast" format). */
    public static LensTokenizer load(Path tokenizerJson) {
        Djl.engine();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new CheckpointException(tokenizerJson + ": not a readable tokenizer.json (" + e.getMessage() + ")", e);
        }
        Map<Integer, String> pieces = new HashMap<>();
        Map<Integer, Boolean> special = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) { // BPE, WordPiece, WordLevel: {piece: id}
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                pieces.put(e.getValue().asInt(), e.getKey());
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
            for (int i = 0; i < vocab.size(); i++) {
                pieces.put(i, vocab.get(i).get(0).asText());
            }
        } else {
            throw new CheckpointException(tokenizerJson + ": no model.vocab; is this a Hugging Face tokenizer.json?");
        }
        for (JsonNode t : root.path("added_tokens")) {
            pieces.put(t.path("id").asInt(), t.path("content").asText());
            special.put(t.path("id").asInt(), t.path("special").asBoolean(false));
        }
        String decoder = root.path("decoder").toString();
        boolean byteLevel = decoder.contains("\"ByteLevel\"");
        boolean metaspace = decoder.contains("\"Metaspace\"") || decoder.contains("\u2581");
        boolean byteFallback = decoder.contains("\"ByteFallback\"") || root.path("model").path("byte_fallback").asBoolean(false);
        HuggingFaceTokenizer tok;
        try {
            // Truncation and padding off: tokenizer.json files often carry a training-time max_length.
            tok = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(tokenizerJson + ": the tokenizer could not be loaded (" + e.getMessage() + ")", e);
        }
        LensTokenizer lens = new LensTokenizer(tokenizerJson, tok, pieces, special, byteLevel, metaspace, byteFallback);
        String unk = root.path("model").path("unk_token").asText(null);
        lens.unknownId = unk == null ? -1 : java.util.Objects.requireNonNullElse(lens.idOf(unk), -1);
        lens.readTokenizerConfig(tokenizerJson.resolveSibling("tokenizer_config.json"));
        return lens;
    }

    /**
     * Llama- and Gemma-style fast tokenizers rebuild their post-processor from {@code add_bos_token} /
     * {@code add_eos_token} in tokenizer_config.json when transformers loads them; honour those flags so
     * the ids match {@code tokenizer.encode} even where tokenizer.json's post-processor disagrees.
     */
    private void readTokenizerConfig(Path config) {
        if (!java.nio.file.Files.isRegularFile(config)) {
            return;
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(config.toFile());
        } catch (IOException e) {
            throw new CheckpointException(config + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        bos = policy(c, "add_bos_token", "bos_token");
        eos = policy(c, "add_eos_token", "eos_token");
    }

    private SpecialPolicy policy(JsonNode c, String flag, String tokenKey) {
        JsonNode f = c.get(flag);
        JsonNode t = c.get(tokenKey);
        if (f == null || !f.isBoolean() || t == null || t.isNull()) {
            return SpecialPolicy.NONE;
        }
        String content = t.isTextual() ? t.asText() : t.path("content").asText(null);
        Integer id = content == null ? null : idOf(content);
        return id == null ? SpecialPolicy.NONE : new SpecialPolicy(f.asBoolean(), id);
    }

    private Integer idOf(String piece) {
        for (Map.Entry<Integer, String> e : pieces.entrySet()) {
            if (e.getValue().equals(piece)) {
                return e.getKey();
            }
        }
        return null;
    }

    public Path file() {
        return file;
    }

    /** Token ids of {@code text}, special tokens included, as Hugging Face's {@code encode} returns them. */
    public int[] encode(String text) {
        Encoding enc = tokenizer.encode(text, true, false);
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (long id : enc.getIds()) {
            out.add(Math.toIntExact(id));
        }
        if (bos.add() != null) {
            boolean has = !out.isEmpty() && out.get(0) == bos.id();
            if (bos.add() && !has) {
                out.add(0, bos.id());
            } else if (!bos.add() && has) {
                out.remove(0);
            }
        }
        if (eos.add() != null) {
            boolean has = !out.isEmpty() && out.get(out.size() - 1) == eos.id();
            if (eos.add() && !has) {
                out.add(eos.id());
            } else if (!eos.add() && has) {
                out.remove(out.size() - 1);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every id the tokenizer file names (its vocabulary and added tokens), ascending. */
    public int[] ids() {
        return pieces.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Whether {@code id} is an added token marked special (BOS, EOS, padding, ...). */
    public boolean isSpecial(int id) {
        return Boolean.TRUE.equals(special.get(id));
    }

    /** The id of the tokenizer's unknown token ({@code model.unk_token}), or -1 when it has none. */
    public int unknownId() {
        return unknownId;
    }

    /** The display string of one id: leading spaces kept, bytes decoded; unknown ids as {@code <id>}. */
    public String tokenString(int id) {
        String piece = pieces.get(id);
        if (piece == null) {
            return "<" + id + ">";
        }
        if (Boolean.TRUE.equals(special.get(id))) {
            return piece;
        }
        if (byteLevel) {
            return bytesToString(ByteLevelAlphabet.decode(piece));
        }
        if (byteFallback && piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            try {
                return bytesToString(new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)});
            } catch (NumberFormatException ignored) {
                // not a byte piece after all
            }
        }
        return metaspace ? piece.replace('\u2581', ' ') : piece;
    }

    /**
     * The bytes a token stands for (what {@link #tokenString} shows, before UTF-8 decoding): byte-level pieces
     * through GPT-2's alphabet, {@code <0xNN>} byte-fallback pieces as their byte, {@code ▁} as a space.
     * Half a character stays half a character here, so it can be compared with a word's bytes.
     */
    public byte[] tokenBytes(int id) {
        String piece = pieces.get(id);
        if (piece == null) {
            return new byte[0];
        }
        if (!Boolean.TRUE.equals(special.get(id))) {
            if (byteLevel) {
                return ByteLevelAlphabet.decode(piece);
            }
            if (byteFallback && piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
                try {
                    return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
                } catch (NumberFormatException ignored) {
                    // not a byte piece after all
                }
            }
            if (metaspace) {
                piece = piece.replace('\u2581', ' ');
            }
        }
        return piece.getBytes(StandardCharsets.UTF_8);
    }

    /** UTF-8 decode; an invalid or incomplete sequence shows its bytes as {@code \xNN} rather than U+FFFD. */
    static String bytesToString(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer cb = dec.decode(ByteBuffer.wrap(bytes));
            return cb.toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder();
            for (byte b : bytes) {
                sb.append(String.format("\\x%02x", b & 0xff));
            }
            return sb.toString();
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** GPT-2's reversible byte to printable-character table. */
    static final class ByteLevelAlphabet {
        private static final Map<Character, Byte> CHAR_TO_BYTE = new HashMap<>();

        static {
            int n = 0;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                char c = printable ? (char) b : (char) (256 + n++);
                CHAR_TO_BYTE.put(c, (byte) b);
            }
        }

        static byte[] decode(String piece) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(piece.length());
            for (int i = 0; i < piece.length(); i++) {
                char c = piece.charAt(i);
                Byte b = CHAR_TO_BYTE.get(c);
                if (b != null) {
                    out.write(b);
                } else { // not in the alphabet (an added token's text): keep it as UTF-8
                    out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                }
            }
            return out.toByteArray();
        }
    }
}
