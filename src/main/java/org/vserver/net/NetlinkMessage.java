package org.vserver.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One netlink request being built (include/uapi/linux/netlink.h, rtnetlink.h): the 16-byte
 * nlmsghdr, a family header (ifinfomsg, ifaddrmsg, rtmsg) and rtattrs, every part 4-byte aligned,
 * integers in host byte order. Nesting is {@link #begin} ... {@link #end}, which patches the length.
 * The static readers decode replies in place, without copying the buffer.
 */
final class NetlinkMessage {
    /* struct nlmsghdr { u32 nlmsg_len; u16 nlmsg_type; u16 nlmsg_flags; u32 nlmsg_seq; u32 nlmsg_pid; } */
    static final int HEADER = 16;
    static final int NLMSG_ERROR = 2, NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_DUMP_INTR = 0x10,
            NLM_F_DUMP = 0x300, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;

    private static final VarHandle U16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle U32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private byte[] b = new byte[128];
    private int len;

    NetlinkMessage(int type, int flags) {
        len = HEADER;
        U16.set(b, 4, (short) type);
        U16.set(b, 6, (short) flags);
    }

    /** struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; } */
    NetlinkMessage ifinfomsg(int family, int index, int flags, int change) {
        int at = grow(16);
        b[at] = (byte) family;
        U32.set(b, at + 4, index);
        U32.set(b, at + 8, flags);
        U32.set(b, at + 12, change);
        return this;
    }

    /** struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; } */
    NetlinkMessage ifaddrmsg(int family, int prefix, int flags, int scope, int index) {
        int at = grow(8);
        b[at] = (byte) family;
        b[at + 1] = (byte) prefix;
        b[at + 2] = (byte) flags;
        b[at + 3] = (byte) scope;
        U32.set(b, at + 4, index);
        return this;
    }

    /** struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; } */
    NetlinkMessage rtmsg(int family, int dstLen, int table, int protocol, int scope, int type) {
        int at = grow(12);
        b[at] = (byte) family;
        b[at + 1] = (byte) dstLen;
        b[at + 4] = (byte) table;
        b[at + 5] = (byte) protocol;
        b[at + 6] = (byte) scope;
        b[at + 7] = (byte) type;
        return this;
    }

    /* struct rtattr { u16 rta_len; u16 rta_type; } followed by the value, padded to 4 bytes */
    NetlinkMessage attr(int type, byte[] value) {
        int at = grow(4 + value.length);
        U16.set(b, at, (short) (4 + value.length));
        U16.set(b, at + 2, (short) type);
        System.arraycopy(value, 0, b, at + 4, value.length);
        return this;
    }

    /** A NUL-terminated string, as IFLA_IFNAME, IFA_LABEL and IFLA_INFO_KIND are sent by iproute2. */
    NetlinkMessage attr(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        return attr(type, Arrays.copyOf(s, s.length + 1));
    }

    NetlinkMessage attrU32(int type, int value) {
        int at = grow(8);
        U16.set(b, at, (short) 8);
        U16.set(b, at + 2, (short) type);
        U32.set(b, at + 4, value);
        return this;
    }

    /** Opens a nested attribute; its value is everything appended until {@link #end}. */
    int begin(int type) {
        int at = grow(4);
        U16.set(b, at + 2, (short) type);
        return at;
    }

    NetlinkMessage end(int start) {
        U16.set(b, start, (short) (len - start));
        return this;
    }

    /** The finished request with sequence number {@code seq} (nlmsg_pid 0: the kernel fills in ours). */
    byte[] toBytes(int seq) {
        U32.set(b, 0, len);
        U32.set(b, 8, seq);
        return Arrays.copyOf(b, len);
    }

    /** Reserves {@code n} bytes (zeroed) plus padding to the next 4-byte boundary; returns their offset. */
    private int grow(int n) {
        int at = len;
        int next = align(at + n);
        if (next > b.length) b = Arrays.copyOf(b, Math.max(next, b.length * 2));
        len = next;
        return at;
    }

    static int align(int n) { return (n + 3) & ~3; }

    static int u16(byte[] buf, int off) { return Short.toUnsignedInt((short) U16.get(buf, off)); }

    static int u32(byte[] buf, int off) { return (int) U32.get(buf, off); }

    /** A string attribute's value up to its NUL (or its end). */
    static String string(byte[] buf, int off, int len) {
        int end = off;
        while (end < off + len && buf[end] != 0) end++;
        return new String(buf, off, end - off, StandardCharsets.UTF_8);
    }
}
