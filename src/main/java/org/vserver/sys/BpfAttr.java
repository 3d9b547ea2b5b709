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
    static final int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_TEST_RUN = 10, BPF_PROG_GET_NEXT_ID = 11,
            BPF_PROG_GET_FD_BY_ID = 13, BPF_OBJ_GET_INFO_BY_FD = 15, BPF_PROG_QUERY = 16;

    /*
     * BPF_PROG_LOAD, up to the last field filled (72 bytes): u32 prog_type @0, u32 insn_cnt @4, u64 insns @8,
     * u64 license @16, u32 log_level @24, u32 log_size @28, u64 log_buf @32, u32 kern_version @40,
     * u32 prog_flags @44, char prog_name[16] @48, u32 prog_ifindex @64, u32 expected_attach_type @68.
     */
    private static final int LOAD_SIZE = 72, LOAD_NAME = 48, LOAD_EXPECTED_ATTACH = 68;
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
