package org.vserver.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.vserver.bpf.ClassicProgram;
import org.vserver.bpf.ClassicToExtended;
import org.vserver.bpf.Interpreter;

/**
 * A seccomp filter run as the kernel runs it: translated to eBPF ({@link ClassicToExtended}) and
 * interpreted with R1 pointing at a {@code struct seccomp_data} (nr, arch, instruction pointer,
 * six 64-bit arguments). The model fails a load of anything but nr, arch and the arguments, counts
 * the argument loads (the cache-friendliness check) and the classic instructions run.
 */
final class SeccompData implements Interpreter.Model {
    static final int NR = 0, ARCH = 4, ARGS = 16;

    /** What one run returned, whether it read any argument on the way, and how many classic instructions it ran. */
    record Result(int action, boolean readArgs, int steps) {}

    /** A compiled filter, ready to run on any number of calls. */
    record Filter(ClassicToExtended translated) {
        Filter(ClassicProgram program) { this(ClassicToExtended.of(program.insns())); }

        Result run(int arch, int nr, long... args) {
            var data = new SeccompData(translated.starts(), arch, nr, args);
            int action = (int) Interpreter.run(translated.program(), data);
            return new Result(action, data.readArgs, data.steps);
        }
    }

    private final Interpreter.Memory data;
    private final int[] starts;
    private boolean readArgs;
    private int steps;

    private SeccompData(int[] starts, int arch, int nr, long... args) {
        ByteBuffer b = ByteBuffer.allocate(ClassicToExtended.SECCOMP_DATA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(NR, nr).putInt(ARCH, arch);
        for (int i = 0; i < args.length; i++) b.putLong(ARGS + 8 * i, args[i]);
        this.data = new Interpreter.Memory("seccomp_data", b.array(), false, true);
        this.starts = starts;
    }

    @Override public Interpreter.Memory context() { return data; }

    @Override public void accessed(int off, int size) {
        if (off >= ARGS) readArgs = true;
        else if (off != NR && off != ARCH) throw new AssertionError("load of offset " + off);
    }

    @Override public void executing(int pc) {
        if (Arrays.binarySearch(starts, pc) >= 0) steps++;
    }
}
