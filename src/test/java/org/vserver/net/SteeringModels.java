package org.vserver.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Insn;
import org.vserver.bpf.Interpreter;

/**
 * What the steering programs get from the kernel, for {@link Interpreter}: the maps as Java maps
 * of keys (hex) to values, sockets as named regions whose references are counted (a lookup in a
 * SOCKHASH takes one, bpf_sk_release gives it back; one still held at exit fails the run, as the
 * verifier would refuse the program). SteeringHostTest proves the same on the kernel.
 */
final class SteeringModels {
    private SteeringModels() {}

    /** A listener in a SOCKHASH: its name, family, and whether it is V6ONLY (bpf_sk_assign refuses it IPv4 with -EAFNOSUPPORT). */
    record Listener(String name, int family, boolean v6only) {}

    static String hex(byte[] b) { return HexFormat.of().formatHex(b); }

    private static byte[] read(Interpreter.Args args, int r, int size) {
        Interpreter.Pointer p = args.pointer(r);
        if (p.memory() != args.stack() || p.offset() < 0 || p.offset() + size > Interpreter.STACK_SIZE)
            throw new AssertionError("a key of " + size + " bytes at " + p.offset() + " of " + p.memory().name() + ", at " + args.pc());
        byte[] out = new byte[size];
        System.arraycopy(p.memory().bytes(), (int) p.offset(), out, 0, size);
        return out;
    }

    private static Interpreter.Memory mapRegion(int index) {
        return new Interpreter.Memory("map " + index, new byte[0], false, true);
    }

    /** The sk_lookup program: ADDRS, SOCKS and ROGUE; the verdict and the listener assigned. */
    static final class SkLookup implements Interpreter.Model {
        record Run(long verdict, String assigned, List<String> tried) {}

        final Map<String, byte[]> addrs = new HashMap<>();
        final Map<String, Listener> socks = new HashMap<>(), rogue = new HashMap<>();
        private final Interpreter.Memory[] maps = {mapRegion(0), mapRegion(1), mapRegion(2), mapRegion(3)};
        private Interpreter.Memory ctx;
        private final Map<Interpreter.Memory, Listener> sockets = new HashMap<>();
        private int held;
        private String assigned;
        private final List<String> tried = new ArrayList<>();

        /** A connection to {@code dst} (an IPv4 or IPv6 address's 4 or 16 bytes), {@code port}, {@code protocol}. */
        Run connect(byte[] dst, int port, int protocol) {
            byte[] c = new byte[72];
            ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(8, dst.length == 4 ? 2 : 10).putInt(12, protocol).putInt(60, port);
            System.arraycopy(dst, 0, c, dst.length == 4 ? 40 : 44, dst.length);
            ctx = new Interpreter.Memory("bpf_sk_lookup", c, false, true);
            held = 0;
            assigned = null;
            tried.clear();
            long verdict = Interpreter.run(SkLookupProgram.program(), this);
            if (held != 0) throw new AssertionError(held + " socket reference(s) held at exit");
            return new Run(verdict, assigned, List.copyOf(tried));
        }

        @Override public Interpreter.Memory context() { return ctx; }

        @Override public Interpreter.Memory map(int index) { return maps[index]; }

        @Override public boolean returnsPointer(int helper) { return helper == Bpf.FUNC_MAP_LOOKUP_ELEM; }

        @Override public Interpreter.Pointer callPointer(int helper, Interpreter.Args args) {
            Interpreter.Memory map = args.pointer(1).memory();
            if (map == maps[SteeringMaps.ADDRS]) {
                byte[] v = addrs.get(hex(read(args, 2, SteeringMaps.ADDRS_KEY_SIZE)));
                return v == null ? null : new Interpreter.Pointer(new Interpreter.Memory("ADDRS value", v.clone(), false, true), 0);
            }
            Listener l;
            if (map == maps[SteeringMaps.SOCKS]) {
                String key = hex(read(args, 2, SteeringMaps.SOCKS_KEY_SIZE));
                tried.add(key);
                l = socks.get(key);
            } else if (map == maps[SteeringMaps.ROGUE]) {
                l = rogue.get(hex(read(args, 2, SteeringMaps.ROGUE_KEY_SIZE)));
            } else {
                throw new AssertionError("sk_lookup looks up " + map.name() + " at " + args.pc());
            }
            if (l == null) return null;
            held++;
            var sock = new Interpreter.Memory("socket " + l.name(), new byte[0], false, true);
            sockets.put(sock, l);
            return new Interpreter.Pointer(sock, 0);
        }

        @Override public long call(int helper, Interpreter.Args args) {
            if (helper == Bpf.FUNC_SK_RELEASE) {
                if (sockets.remove(args.pointer(1).memory()) == null) throw new AssertionError("released twice, at " + args.pc());
                held--;
                return 0;
            }
            if (helper == Bpf.FUNC_SK_ASSIGN) {
                Listener l = sockets.get(args.pointer(2).memory());
                if (args.pointer(1).memory() != ctx || l == null || args.number(3) != 0) throw new AssertionError("bpf_sk_assign(ctx, sk, 0) at " + args.pc());
                int family = ByteBuffer.wrap(ctx.bytes()).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
                if (l.family() != family && (l.family() == 2 || l.v6only())) return -97;         // EAFNOSUPPORT
                if (assigned != null) throw new AssertionError("assigned twice");
                assigned = l.name();
                return 0;
            }
            return Interpreter.Model.super.call(helper, args);
        }
    }

    /** A steered guest's sock_ops program: what it put into SOCKS and ROGUE at one listen(). */
    static final class SockOps implements Interpreter.Model {
        record Run(long r0, Map<String, String> socks, Map<String, String> rogue) {}

        private final Interpreter.Memory[] maps = {mapRegion(0), mapRegion(1), mapRegion(2), mapRegion(3)};
        private final Interpreter.Memory ctx, sock = new Interpreter.Memory("bpf_sock", new byte[80], false, true);
        private final Interpreter.Memory storage;
        private final Map<String, String> socks = new HashMap<>(), rogue = new HashMap<>();

        /** {@code op} on a socket of {@code family} at {@code local} (4 or 16 bytes) {@code port}; STORAGE {@code flags} (-1: none). */
        private SockOps(int op, int family, byte[] local, int port, int flags) {
            byte[] c = new byte[216];
            ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0, op).putInt(20, family).putInt(68, port);
            System.arraycopy(local, 0, c, local.length == 4 ? 28 : 48, local.length);
            ctx = new Interpreter.Memory("bpf_sock_ops", c, false, true);
            storage = flags < 0 ? null : new Interpreter.Memory("sk_storage", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(flags).array(), true, true);
        }

        static Run run(List<Insn> program, int op, int family, byte[] local, int port, int flags) {
            var m = new SockOps(op, family, local, port, flags);
            long r0 = Interpreter.run(program, m);
            return new Run(r0, m.socks, m.rogue);
        }

        @Override public Interpreter.Memory context() { return ctx; }

        @Override public Interpreter.Pointer pointerField(int off, int size) {
            if (off == 184 && size == 8) return new Interpreter.Pointer(sock, 0);
            return null;
        }

        @Override public Interpreter.Memory map(int index) { return maps[index]; }

        @Override public boolean returnsPointer(int helper) { return helper == Bpf.FUNC_SK_STORAGE_GET; }

        @Override public Interpreter.Pointer callPointer(int helper, Interpreter.Args args) {
            if (args.pointer(1).memory() != maps[SteeringMaps.STORAGE] || args.pointer(2).memory() != sock || args.number(4) != 0)
                throw new AssertionError("bpf_sk_storage_get(STORAGE, skops->sk, NULL, 0) at " + args.pc());
            return storage == null ? null : new Interpreter.Pointer(storage, 0);
        }

        @Override public long call(int helper, Interpreter.Args args) {
            if (helper != Bpf.FUNC_SOCK_HASH_UPDATE) return Interpreter.Model.super.call(helper, args);
            if (args.pointer(1).memory() != ctx || args.number(4) != Bpf.ANY) throw new AssertionError("bpf_sock_hash_update(skops, map, key, BPF_ANY)");
            Interpreter.Memory map = args.pointer(2).memory();
            if (map == maps[SteeringMaps.SOCKS]) socks.put(hex(read(args, 3, SteeringMaps.SOCKS_KEY_SIZE)), "listener");
            else if (map == maps[SteeringMaps.ROGUE]) rogue.put(hex(read(args, 3, SteeringMaps.ROGUE_KEY_SIZE)), "listener");
            else throw new AssertionError("sock_ops updates " + map.name());
            return 0;
        }
    }
}
