package org.vserver.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The pieces of {@code union bpf_attr} (include/uapi/linux/bpf.h) that bpf(2) is called with here, one
 * factory per command: each returns a zero-filled attr of the member's size with the fields set.
 * {@link #size} is what bpf(2) is told.
 */
final class BpfAttr {
    /* enum bpf_cmd */
    static final int BPF_MAP_CREATE = 0, BPF_MAP_LOOKUP_ELEM = 1, BPF_MAP_UPDATE_ELEM = 2, BPF_MAP_DELETE_ELEM = 3,
            BPF_BTF_LOAD = 18, BPF_LINK_CREATE = 28;
    static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_TEST_RUN = 10, BPF_PROG_GET_NEXT_ID = 11,
            BPF_PROG_GET_FD_BY_ID = 13, BPF_OBJ_GET_INFO_BY_FD = 15, BPF_PROG_QUERY = 16;

    /*
     * BPF_PROG_LOAD, up to the last field filled (72 bytes): u32 prog_type @0, u32 insn_cnt @4, u64 insns @8,
     * u64 license @16, u32 log_level @24, u32 log_size @28, u64 log_buf @32, u32 kern_version @40,
     * u32 prog_flags @44, char prog_name[16] @48, u32 prog_ifindex @64, u32 expected_attach_type @68.
     */
    private static final int LOAD_SIZE = 72, LOAD_NAME = 48, LOAD_EXPECTED_ATTACH = 68;
    /* ... u64 fd_array @120 (Linux 5.14): the attr grows to 128 bytes when it is passed. */
    private static final int LOAD_FD_ARRAY_SIZE = 128, LOAD_FD_ARRAY = 120;
    /*
     * BPF_MAP_CREATE: u32 map_type @0, key_size @4, value_size @8, max_entries @12, map_flags @16,
     * inner_map_fd @20, numa_node @24, char map_name[16] @28, u32 map_ifindex @44, btf_fd @48,
     * btf_key_type_id @52, btf_value_type_id @56 (passed as 64 bytes: up to btf_vmlinux_value_type_id).
     */
    private static final int MAP_CREATE_SIZE = 64, MAP_NAME = 28;
    /* BPF_MAP_*_ELEM: u32 map_fd @0, u64 key @8, u64 value @16, u64 flags @24. */
    private static final int ELEM_SIZE = 32;
    /* BPF_BTF_LOAD: u64 btf @0, u64 btf_log_buf @8, u32 btf_size @16, btf_log_size @20, btf_log_level @24 (passed as 32). */
    private static final int BTF_LOAD_SIZE = 32;
    /* BPF_LINK_CREATE: u32 prog_fd @0, u32 target_fd @4, u32 attach_type @8, u32 flags @12, then per-type fields, zero. */
    private static final int LINK_CREATE_SIZE = 48;
    static final int LOAD_NAME_LEN = 16;
    /* BPF_PROG_ATTACH / BPF_PROG_DETACH: u32 target_fd @0, u32 attach_bpf_fd @4, u32 attach_type @8, u32 attach_flags @12. */
    private static final int ATTACH_SIZE = 16;
    /*
     * BPF_PROG_QUERY: u32 target_fd @0, u32 attach_type @4, u32 query_flags @8, u32 attach_flags @12 (out),
     * u64 prog_ids @16, u32 prog_cnt @24 (in: room, out: count), pad, u64 prog_attach_flags @32,
     * u64 link_ids @40, u64 link_attach_flags @48, u64 revision @56 (out). Linux 6.6+ writes revision
     * whatever size is passed, so the whole 64 bytes are allocated and passed.
     */
    private static final int QUERY_SIZE = 64, QUERY_IDS = 16, QUERY_COUNT = 24;
    /*
     * BPF_PROG_TEST_RUN: u32 prog_fd @0, u32 retval @4 (out), u32 data_size_in @8, u32 data_size_out @12,
     * u64 data_in @16, u64 data_out @24 (0: no copy back), u32 repeat @32 (0 = once), then duration and
     * the ctx fields, all zero (no ctx_in: the kernel builds the skb from the data alone).
     */
    private static final int TEST_RUN_SIZE = 48;
    /*
     * BPF_PROG_GET_NEXT_ID: u32 start_id @0, u32 next_id @4 (passed as 8 bytes). BPF_PROG_GET_FD_BY_ID:
     * u32 prog_id @0 (passed as 16). BPF_OBJ_GET_INFO_BY_FD: u32 bpf_fd @0, u32 info_len @4, u64 info @8;
     * struct bpf_prog_info has u32 id @4 and char name[16] @64 (after type, id, tag[8], jited/xlated lens
     * and pointers, load_time, created_by_uid, nr_map_ids, map_ids).
     */
    private static final int NEXT_ID_SIZE = 8, BY_ID_SIZE = 16, INFO_BY_FD_SIZE = 16;
    static final int PROG_INFO_SIZE = 80, PROG_INFO_NAME = 64;

    private BpfAttr() {}

    /** How many bytes of {@code attr} bpf(2) is told: the segment's own size. */
    static int size(MemorySegment attr) { return (int) attr.byteSize(); }

    private static MemorySegment zeroed(Arena a, int size) { return a.allocate(size, 8).fill((byte) 0); }

    /** BPF_PROG_LOAD of {@code code} (8-byte instructions) with the verifier's log (level 1) into {@code log}. */
    static MemorySegment progLoad(Arena a, int progType, MemorySegment code, String license, MemorySegment log,
            byte[] name, int expectedAttachType) {
        MemorySegment attr = zeroed(a, LOAD_SIZE);
        attr.set(JAVA_INT, 0, progType);
        attr.set(JAVA_INT, 4, (int) (code.byteSize() / 8));
        attr.set(JAVA_LONG, 8, code.address());
        attr.set(JAVA_LONG, 16, a.allocateFrom(license).address());
        attr.set(JAVA_INT, 24, 1);                                   // log_level 1: the verifier's reasons
        attr.set(JAVA_INT, 28, (int) log.byteSize());
        attr.set(JAVA_LONG, 32, log.address());
        MemorySegment.copy(name, 0, attr, JAVA_BYTE, LOAD_NAME, name.length);
        attr.set(JAVA_INT, LOAD_EXPECTED_ATTACH, expectedAttachType);
        return attr;
    }

    /** {@link #progLoad} with {@code fdArray} (its fds as u32s) for BPF_PSEUDO_MAP_IDX; none if empty. */
    static MemorySegment progLoad(Arena a, int progType, MemorySegment code, String license, MemorySegment log,
            byte[] name, int expectedAttachType, int[] fdArray) {
        MemorySegment small = progLoad(a, progType, code, license, log, name, expectedAttachType);
        if (fdArray.length == 0) return small;
        MemorySegment attr = zeroed(a, LOAD_FD_ARRAY_SIZE);
        MemorySegment.copy(small, 0, attr, 0, LOAD_SIZE);
        attr.set(JAVA_LONG, LOAD_FD_ARRAY, a.allocateFrom(JAVA_INT, fdArray).address());
        return attr;
    }

    /** BPF_MAP_CREATE; {@code name} at most 15 bytes. */
    static MemorySegment mapCreate(Arena a, int type, int keySize, int valueSize, int maxEntries, int flags, byte[] name,
            int btfFd, int btfKeyTypeId, int btfValueTypeId) {
        MemorySegment attr = zeroed(a, MAP_CREATE_SIZE);
        attr.set(JAVA_INT, 0, type);
        attr.set(JAVA_INT, 4, keySize);
        attr.set(JAVA_INT, 8, valueSize);
        attr.set(JAVA_INT, 12, maxEntries);
        attr.set(JAVA_INT, 16, flags);
        MemorySegment.copy(name, 0, attr, JAVA_BYTE, MAP_NAME, name.length);
        attr.set(JAVA_INT, 48, btfFd);
        attr.set(JAVA_INT, 52, btfKeyTypeId);
        attr.set(JAVA_INT, 56, btfValueTypeId);
        return attr;
    }

    /** BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM ({@code flags}) or BPF_MAP_DELETE_ELEM ({@code value} NULL). */
    static MemorySegment mapElem(Arena a, int fd, MemorySegment key, MemorySegment value, long flags) {
        MemorySegment attr = zeroed(a, ELEM_SIZE);
        attr.set(JAVA_INT, 0, fd);
        attr.set(JAVA_LONG, 8, key.address());
        attr.set(JAVA_LONG, 16, value.address());
        attr.set(JAVA_LONG, 24, flags);
        return attr;
    }

    /** BPF_BTF_LOAD of {@code btf} with the checker's log (level 1) into {@code log}. */
    static MemorySegment btfLoad(Arena a, MemorySegment btf, MemorySegment log) {
        MemorySegment attr = zeroed(a, BTF_LOAD_SIZE);
        attr.set(JAVA_LONG, 0, btf.address());
        attr.set(JAVA_LONG, 8, log.address());
        attr.set(JAVA_INT, 16, (int) btf.byteSize());
        attr.set(JAVA_INT, 20, (int) log.byteSize());
        attr.set(JAVA_INT, 24, 1);
        return attr;
    }

    /** BPF_LINK_CREATE without per-type options. */
    static MemorySegment linkCreate(Arena a, int progFd, int targetFd, int attachType) {
        MemorySegment attr = zeroed(a, LINK_CREATE_SIZE);
        attr.set(JAVA_INT, 0, progFd);
        attr.set(JAVA_INT, 4, targetFd);
        attr.set(JAVA_INT, 8, attachType);
        return attr;
    }

    /** BPF_PROG_ATTACH (with {@code flags}) or BPF_PROG_DETACH (flags 0). */
    static MemorySegment progAttach(Arena a, int targetFd, int progFd, int attachType, int flags) {
        MemorySegment attr = zeroed(a, ATTACH_SIZE);
        attr.set(JAVA_INT, 0, targetFd);
        attr.set(JAVA_INT, 4, progFd);
        attr.set(JAVA_INT, 8, attachType);
        attr.set(JAVA_INT, 12, flags);
        return attr;
    }

    /** BPF_PROG_QUERY with room for {@code ids.byteSize() / 4} program ids in {@code ids}. */
    static MemorySegment progQuery(Arena a, int targetFd, int attachType, MemorySegment ids) {
        MemorySegment attr = zeroed(a, QUERY_SIZE);
        attr.set(JAVA_INT, 0, targetFd);
        attr.set(JAVA_INT, 4, attachType);
        attr.set(JAVA_LONG, QUERY_IDS, ids.address());
        attr.set(JAVA_INT, QUERY_COUNT, (int) (ids.byteSize() / 4));
        return attr;
    }

    /** BPF_PROG_QUERY's prog_cnt after the call: how many programs are attached. */
    static int queryCount(MemorySegment attr) { return attr.get(JAVA_INT, QUERY_COUNT); }

    /** BPF_PROG_TEST_RUN of {@code in} ({@code length} bytes of data). */
    static MemorySegment progTestRun(Arena a, int progFd, MemorySegment in, int length) {
        MemorySegment attr = zeroed(a, TEST_RUN_SIZE);
        attr.set(JAVA_INT, 0, progFd);
        attr.set(JAVA_INT, 8, length);
        attr.set(JAVA_LONG, 16, in.address());
        return attr;
    }

    /** BPF_PROG_TEST_RUN's retval after the call. */
    static int testRunRetval(MemorySegment attr) { return attr.get(JAVA_INT, 4); }

    /** BPF_PROG_GET_NEXT_ID after {@code startId}. */
    static MemorySegment progGetNextId(Arena a, int startId) {
        MemorySegment attr = zeroed(a, NEXT_ID_SIZE);
        attr.set(JAVA_INT, 0, startId);
        return attr;
    }

    /** BPF_PROG_GET_NEXT_ID's next_id after the call. */
    static int nextId(MemorySegment attr) { return attr.get(JAVA_INT, 4); }

    /** BPF_PROG_GET_FD_BY_ID of {@code id}. */
    static MemorySegment progGetFdById(Arena a, int id) {
        MemorySegment attr = zeroed(a, BY_ID_SIZE);
        attr.set(JAVA_INT, 0, id);
        return attr;
    }

    /** BPF_OBJ_GET_INFO_BY_FD of {@code fd} into {@code info} (a struct bpf_prog_info of {@link #PROG_INFO_SIZE}). */
    static MemorySegment objGetInfoByFd(Arena a, int fd, MemorySegment info) {
        MemorySegment attr = zeroed(a, INFO_BY_FD_SIZE);
        attr.set(JAVA_INT, 0, fd);
        attr.set(JAVA_INT, 4, (int) info.byteSize());
        attr.set(JAVA_LONG, 8, info.address());
        return attr;
    }
}
