package org.vserver.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.vserver.bpf.Bpf;
import org.vserver.bpf.Btf;
import org.vserver.sys.ErrnoException;
import org.vserver.sys.Syscalls;

/**
 * The four maps of wildcard steering, as the programs ({@link SockAddrPrograms} with a
 * {@link BindPolicy#xid}, {@link SkLookupProgram}) name them: by their index in the fd_array
 * passed to BPF_PROG_LOAD ({@code ld_imm64} with BPF_PSEUDO_MAP_IDX). The loader passes all four,
 * in {@link #ALL}'s order, to every program; a program uses only some.
 *
 * <p>Why each exists:
 * <ul>
 *   <li>{@link #STORAGE} (one per guest): the bind hooks mark a socket bound to the wildcard; the
 *       mark is gone by listen() time otherwise, when the address is already rewritten;</li>
 *   <li>{@link #SOCKS} (one per host): every TCP listener of every steered guest, put there by the
 *       guest's sock_ops program at listen(); the kernel removes an entry when its socket closes;</li>
 *   <li>{@link #ROGUE} (one per host): listeners a guest got by listen() without bind(), which
 *       the kernel autobinds to {@code 0.0.0.0:ephemeral} without running any bind hook, a real
 *       host-wide wildcard: the lookup refuses their port on every address not the guest's;</li>
 *   <li>{@link #ADDRS} (one per host, filled by the launcher): which guest an address is, and
 *       whether it is a guest's loopback address.</li>
 * </ul>
 * Addresses are 16 bytes in network order, IPv4 as {@code ::ffff:a.b.c.d}; ports host order.
 */
public final class SteeringMaps {
    /** How a map is created (BPF_MAP_CREATE); {@code btf}: with {@link Btf}'s key and value types. */
    public record Spec(String name, int type, int keySize, int valueSize, int maxEntries, int flags, boolean btf) {}

    /** fd_array indices. */
    public static final int STORAGE = 0, SOCKS = 1, ROGUE = 2, ADDRS = 3;

    /** STORAGE's value: {@code u32 flags}, bit 0 "bound to the wildcard"; then a reserved u32. */
    public static final int WILDCARD = 1;
    /** ADDRS's value flags: bit 0 "a guest's loopback address (lback, lback6)". */
    public static final int LOOPBACK = 1;

    public static final int SOCKS_KEY_SIZE = 24, ROGUE_KEY_SIZE = 4, ADDRS_KEY_SIZE = 16, ADDRS_VALUE_SIZE = 8;

    /** In fd_array order. */
    public static final List<Spec> ALL = List.of(
            new Spec("vserver_storage", Bpf.MAP_TYPE_SK_STORAGE, 4, Btf.VALUE_SIZE, 0, Bpf.F_NO_PREALLOC, true),
            new Spec("vserver_socks", Bpf.MAP_TYPE_SOCKHASH, SOCKS_KEY_SIZE, 8, 65536, 0, false),
            // every (port, family) key fits: a full ROGUE would let the next autobound listener answer on the host's addresses
            new Spec("vserver_rogue", Bpf.MAP_TYPE_SOCKHASH, ROGUE_KEY_SIZE, 8, 2 * 65536, 0, false),
            new Spec("vserver_addrs", Bpf.MAP_TYPE_HASH, ADDRS_KEY_SIZE, ADDRS_VALUE_SIZE, 16384, Bpf.F_NO_PREALLOC, false));

    private SteeringMaps() {}

    /**
     * SOCKS's key: {@code {u32 xid; u8 addr[16]; u16 port; u8 family; u8 wild}}, the address all zero
     * for a wildcard entry ({@code wild} 1).
     */
    public static byte[] socksKey(int xid, InetAddress addr, int port, int family, boolean wild) {
        ByteBuffer b = ByteBuffer.allocate(SOCKS_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(xid).put(wild ? new byte[16] : address(addr)).putShort((short) port).put((byte) family).put((byte) (wild ? 1 : 0));
        return b.array();
    }

    /** ROGUE's key: {@code {u16 port; u8 family; u8 0}}. */
    public static byte[] rogueKey(int port, int family) {
        return ByteBuffer.allocate(ROGUE_KEY_SIZE).order(ByteOrder.LITTLE_ENDIAN).putShort((short) port).put((byte) family).put((byte) 0).array();
    }

    /** ADDRS's key: the address. */
    public static byte[] addrsKey(InetAddress addr) { return address(addr); }

    /** ADDRS's value: {@code {u32 xid; u32 flags}}. */
    public static byte[] addrsValue(int xid, boolean loopback) {
        return ByteBuffer.allocate(ADDRS_VALUE_SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt(xid).putInt(loopback ? LOOPBACK : 0).array();
    }

    /** 16 bytes, network order; IPv4 as {@code ::ffff:a.b.c.d}. */
    static byte[] address(InetAddress a) {
        byte[] raw = a.getAddress();
        if (!(a instanceof Inet4Address)) return raw;
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    /**
     * Creates the four maps (tests; the launcher makes its own) and returns their fds in fd_array
     * order; a failure closes what was made.
     */
    public static int[] create(Syscalls sys) throws ErrnoException {
        int[] fds = new int[ALL.size()];
        int made = 0, btf = -1;
        boolean done = false;
        try {
            btf = sys.bpfBtfLoad(Btf.bytes());
            for (Spec s : ALL) {
                fds[made] = s.btf()
                        ? sys.bpfMapCreate(s.type(), s.keySize(), s.valueSize(), s.maxEntries(), s.flags(), s.name(), btf,
                                Btf.KEY_TYPE_ID, Btf.VALUE_TYPE_ID)
                        : sys.bpfMapCreate(s.type(), s.keySize(), s.valueSize(), s.maxEntries(), s.flags(), s.name(), 0, 0, 0);
                made++;
            }
            done = true;
            return fds;
        } finally {
            if (btf >= 0) sys.close(btf);                  // the map holds its own reference to the BTF
            if (!done) for (int i = 0; i < made; i++) sys.close(fds[i]);
        }
    }
}
