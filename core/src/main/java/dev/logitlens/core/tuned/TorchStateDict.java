package dev.logitlens.core.tuned;

import dev.logitlens.core.checkpoint.Float16;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a state dict of tensors saved by {@code torch.save} (the zip format of PyTorch ≥ 1.6) without executing
 * anything: the pickle is interpreted by net.razorvine's unpickler with every global outside a fixed allow-list
 * refused, and the storages are read from the zip and widened to float32 here (bfloat16 never reaches DJL).
 *
 * <p>The archive holds {@code <folder>/data.pkl}, {@code <folder>/data/<key>} per storage, and optionally
 * {@code <folder>/byteorder}; {@code <folder>} is whatever name the file had when saved, so none is assumed.
 */
public final class TorchStateDict {
    /** Everything a state dict of float tensors needs, and nothing else. */
    static final Set<String> ALLOWED_GLOBALS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage");
    /** Guards against absurd sizes in a hostile file before anything is allocated. */
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final long MAX_PICKLE_BYTES = 64L << 20;

    private TorchStateDict() {}

    /**
     * @param file  the params.pt
     * @param where how errors name it, e.g. {@code tuned lens lenses/mine: params.pt}
     * @return the tensors by key, in the file's order
     * @throws TunedLensException naming {@code where} and what was refused
     */
    public static Map<String, StoredTensor> read(Path file, String where) {
        if (!Files.isRegularFile(file)) {
            throw new TunedLensException(where + " does not exist (" + file + ").");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String folder = folder(zip, where);
            ByteOrder order = byteOrder(zip, folder, where);
            ZipEntry pkl = zip.getEntry(folder + "data.pkl");
            if (pkl.getSize() > MAX_PICKLE_BYTES) {
                throw new TunedLensException(where + ": data.pkl is " + pkl.getSize() + " bytes, far more than a state"
                        + " dict of tensors needs; refused.");
            }
            Object root;
            try (InputStream in = zip.getInputStream(pkl); SafeUnpickler u = new SafeUnpickler(where)) {
                root = u.load(in);
            } catch (PickleException | ClassCastException | IndexOutOfBoundsException | IllegalStateException e) {
                throw new TunedLensException(where + ": data.pkl is not a valid pickle of a state dict ("
                        + e.getMessage() + ").", e);
            }
            if (!(root instanceof StateDict dict)) {
                throw new TunedLensException(where + ": data.pkl holds " + describe(root)
                        + ", not a state dict (an OrderedDict of tensors); save the lens with torch.save(state_dict).");
            }
            Map<String, StoredTensor> out = new LinkedHashMap<>();
            for (Map.Entry<Object, Object> e : dict.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new TunedLensException(where + ": state dict key " + e.getKey() + " is not a string.");
                }
                if (!(e.getValue() instanceof TensorRef ref)) {
                    throw new TunedLensException(where + ": state dict entry '" + key + "' holds "
                            + describe(e.getValue()) + ", not a tensor.");
                }
                out.put(key, ref.read(zip, folder, order, where + " '" + key + "'"));
            }
            return out;
        } catch (ZipException e) {
            throw new TunedLensException(where + " is not a readable zip archive (" + e.getMessage() + "): it is"
                    + " truncated, corrupted, or was saved with torch.save(..., _use_new_zipfile_serialization=False);"
                    + " save it again with a current torch.save.", e);
        } catch (IOException e) {
            throw new TunedLensException(where + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The one top folder holding data.pkl, with its trailing slash. */
    private static String folder(ZipFile zip, String where) {
        List<String> found = new ArrayList<>();
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
                found.add(name.substring(0, slash + 1));
            }
        }
        if (found.size() != 1) {
            throw new TunedLensException(where + ": expected one <folder>/data.pkl in the archive, found "
                    + (found.isEmpty() ? "none" : found) + "; it is not a file written by torch.save.");
        }
        return found.get(0);
    }

    private static ByteOrder byteOrder(ZipFile zip, String folder, String where) throws IOException {
        ZipEntry e = zip.getEntry(folder + "byteorder");
        if (e == null) {
            return ByteOrder.LITTLE_ENDIAN; // PyTorch before 2.1 wrote no byteorder and only little-endian data
        }
        try (InputStream in = zip.getInputStream(e)) {
            String s = new String(in.readNBytes(16), StandardCharsets.US_ASCII).strip();
            return switch (s) {
                case "little" -> ByteOrder.LITTLE_ENDIAN;
                case "big" -> ByteOrder.BIG_ENDIAN;
                default -> throw new TunedLensException(where + ": byteorder says '" + s + "', not little or big.");
            };
        }
    }

    private static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Global g) {
            return "the global " + g.name;
        }
        return "a " + o.getClass().getSimpleName();
    }

    // ---- what the pickle may build --------------------------------------------------------------

    /** An allowed global, pushed where the pickle names it; only {@link #construct} turns it into a value. */
    private static final class Global implements IObjectConstructor {
        final String name;
        final String where;

        Global(String name, String where) {
            this.name = name;
            this.where = where;
        }

        @Override
        public Object construct(Object[] args) {
            switch (name) {
                case "collections.OrderedDict" -> {
                    if (args.length != 0) {
                        throw refused("OrderedDict called with arguments");
                    }
                    return new StateDict();
                }
                case "torch._utils._rebuild_tensor_v2" -> {
                    return TensorRef.of(args, where);
                }
                default -> throw refused("a call of " + name + " (it is allowed only as a storage type)");
            }
        }

        private TunedLensException refused(String what) {
            return new TunedLensException(where + ": refused " + what + ".");
        }
    }

    /** The state dict itself; its {@code _metadata} attribute (module versions) is dropped. */
    private static final class StateDict extends LinkedHashMap<Object, Object> {
    }

    /** A storage named by a persistent id: ('storage', type, key, location, numel). */
    private record Storage(String type, String key, long numel) {
        int bytesPerElement() {
            return "torch.FloatStorage".equals(type) ? 4 : 2;
        }

        String dtype() {
            return switch (type) {
                case "torch.FloatStorage" -> "float32";
                case "torch.HalfStorage" -> "float16";
                default -> "bfloat16";
            };
        }
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]), not yet read. */
    private record TensorRef(Storage storage, long offset, long[] size, long[] stride) {
        static TensorRef of(Object[] a, String where) {
            if (a.length < 6 || !(a[0] instanceof Storage s) || !(a[1] instanceof Number off)) {
                throw new TunedLensException(where + ": refused a malformed _rebuild_tensor_v2 call (" + a.length
                        + " arguments).");
            }
            long[] size = longs(a[2], where, "size");
            long[] stride = longs(a[3], where, "stride");
            if (size.length != stride.length) {
                throw new TunedLensException(where + ": a tensor has size " + java.util.Arrays.toString(size)
                        + " but stride " + java.util.Arrays.toString(stride) + ".");
            }
            return new TensorRef(s, off.longValue(), size, stride);
        }

        private static long[] longs(Object o, String where, String what) {
            if (!(o instanceof Object[] t)) {
                throw new TunedLensException(where + ": a tensor's " + what + " is not a tuple.");
            }
            long[] out = new long[t.length];
            for (int i = 0; i < t.length; i++) {
                if (!(t[i] instanceof Number n) || n.longValue() < 0) {
                    throw new TunedLensException(where + ": a tensor's " + what + " holds " + t[i] + ".");
                }
                out[i] = n.longValue();
            }
            return out;
        }

        StoredTensor read(ZipFile zip, String folder, ByteOrder order, String where) throws IOException {
            long n = 1;
            for (long d : size) {
                n = Math.multiplyExact(n, Math.max(d, 1));
                if (n > MAX_ELEMENTS) {
                    throw new TunedLensException(where + ": " + java.util.Arrays.toString(size) + " is too large.");
                }
            }
            long count = 1;
            long last = offset; // the furthest element the view touches
            for (int i = 0; i < size.length; i++) {
                count *= size[i];
                last += size[i] == 0 ? 0 : (size[i] - 1) * stride[i];
            }
            if (storage.numel() > MAX_ELEMENTS || (count > 0 && last >= storage.numel())) {
                throw new TunedLensException(where + ": its view (offset " + offset + ", size "
                        + java.util.Arrays.toString(size) + ") reaches past its storage of " + storage.numel()
                        + " elements.");
            }
            ZipEntry e = zip.getEntry(folder + "data/" + storage.key());
            if (e == null) {
                throw new TunedLensException(where + ": its storage data/" + storage.key() + " is missing from the"
                        + " archive.");
            }
            long bytes = storage.numel() * storage.bytesPerElement();
            if (e.getSize() >= 0 && e.getSize() != bytes) {
                throw new TunedLensException(where + ": storage data/" + storage.key() + " holds " + e.getSize()
                        + " bytes where " + storage.numel() + " " + storage.dtype() + " elements take " + bytes + ".");
            }
            byte[] raw;
            try (InputStream in = zip.getInputStream(e)) {
                raw = in.readNBytes((int) bytes);
            }
            if (raw.length != bytes) {
                throw new TunedLensException(where + ": storage data/" + storage.key() + " ends after " + raw.length
                        + " of " + bytes + " bytes (truncated archive).");
            }
            ByteBuffer buf = ByteBuffer.wrap(raw).order(order);
            float[] values = new float[(int) count];
            long[] index = new long[size.length];
            for (int i = 0; i < values.length; i++) {
                long at = offset;
                for (int d = 0; d < size.length; d++) {
                    at += index[d] * stride[d];
                }
                values[i] = switch (storage.bytesPerElement()) {
                    case 4 -> buf.getFloat((int) at * 4);
                    default -> "float16".equals(storage.dtype()) ? Float16.toFloat(buf.getShort((int) at * 2))
                            : Float.intBitsToFloat((buf.getShort((int) at * 2) & 0xffff) << 16);
                };
                for (int d = size.length - 1; d >= 0; d--) { // row-major odometer
                    if (++index[d] < size[d]) {
                        break;
                    }
                    index[d] = 0;
                }
            }
            return new StoredTensor(storage.dtype(), size.clone(), values);
        }
    }

    // ---- the unpickler ----------------------------------------------------------------------------

    /**
     * Interprets only opcodes that build data; globals outside {@link #ALLOWED_GLOBALS}, object construction
     * by class ({@code INST}, {@code OBJ}, {@code NEWOBJ}), extension codes and text persistent ids are refused.
     */
    private static final class SafeUnpickler extends Unpickler implements AutoCloseable {
        private final String where;

        SafeUnpickler(String where) {
            this.where = where;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    stack.add(global(module, name));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    stack.add(global(String.valueOf(module), String.valueOf(name)));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.REDUCE -> {
                    Object args = stack.pop();
                    Object callable = stack.pop();
                    if (!(callable instanceof Global g) || !(args instanceof Object[] a)) {
                        throw new TunedLensException(where + ": refused a call (REDUCE) of " + describe(callable)
                                + "; only allowed globals may be called.");
                    }
                    stack.add(g.construct(a));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.BUILD -> {
                    Object state = stack.pop();
                    if (!(stack.peek() instanceof StateDict) || !(state instanceof Map<?, ?>)) {
                        throw new TunedLensException(where + ": refused setting the state (BUILD) of "
                                + describe(stack.peek()) + "; only a state dict's _metadata may be set.");
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.SETITEMS -> { // in the file's order (the library's own collects into a HashMap)
                    List<Object> items = stack.pop_all_since_marker();
                    if (!(stack.peek() instanceof Map<?, ?>) || items.size() % 2 != 0) {
                        throw new TunedLensException(where + ": refused SETITEMS on " + describe(stack.peek()) + ".");
                    }
                    @SuppressWarnings("unchecked")
                    Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                    for (int i = 0; i < items.size(); i += 2) {
                        dict.put(items.get(i), items.get(i + 1));
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.INST -> {
                    global(PickleUtils.readline(input), PickleUtils.readline(input)); // names a refused global
                    throw new TunedLensException(where + ": refused constructing an object by class (opcode INST).");
                }
                case Opcodes.OBJ, Opcodes.NEWOBJ, Opcodes.NEWOBJ_EX ->
                        throw new TunedLensException(where + ": refused constructing an object by class (opcode "
                                + opcodeName(key) + "); a state dict of tensors needs none.");
                case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4, Opcodes.PERSID ->
                        throw new TunedLensException(where + ": refused opcode " + opcodeName(key)
                                + "; a state dict of tensors needs none.");
                default -> {
                    return super.dispatch(key);
                }
            }
        }

        private Global global(String module, String name) {
            String full = module.strip() + "." + name.strip();
            if (!ALLOWED_GLOBALS.contains(full)) {
                throw new TunedLensException(where + ": refused the global " + full + "; a state dict of float"
                        + " tensors needs only " + String.join(", ", new java.util.TreeSet<>(ALLOWED_GLOBALS))
                        + ". The file is not a plain tuned-lens params.pt; it was not executed.");
            }
            return new Global(full, where);
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0]) || !(t[1] instanceof Global g)
                    || !(t[2] instanceof String key) || !(t[4] instanceof Number numel)) {
                throw new TunedLensException(where + ": refused a persistent id that is not a tensor storage.");
            }
            if (!key.matches("[0-9A-Za-z_]{1,64}")) {
                throw new TunedLensException(where + ": refused the storage key '" + key + "'.");
            }
            return new Storage(g.name, key, numel.longValue());
        }

        private static String opcodeName(short key) {
            return switch (key) {
                case Opcodes.INST -> "INST";
                case Opcodes.OBJ -> "OBJ";
                case Opcodes.NEWOBJ -> "NEWOBJ";
                case Opcodes.NEWOBJ_EX -> "NEWOBJ_EX";
                case Opcodes.PERSID -> "PERSID";
                default -> "EXT";
            };
        }
    }
}
