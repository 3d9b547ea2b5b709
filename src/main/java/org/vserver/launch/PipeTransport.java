package org.vserver.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * The JDK's own process spawning: the launcher's stdin and stdout are the channels
 * ({@code --stdio-channels} moves them to 3 and 4) and its stderr is a host file (a start's
 * launcher.log, until the plan opens the guest's own console for the init).
 * No FFM on the start path: a guest starts without paying for linking native calls.
 */
final class PipeTransport implements Transport {
    private final Process process;
    private final OutputStream plan;
    private final InputStream status;

    private PipeTransport(Process process) {
        this.process = process;
        this.plan = process.getOutputStream();
        this.status = process.getInputStream();
    }

    static PipeTransport start(String binary, Path output) throws IOException {
        var pb = new ProcessBuilder(binary, "--stdio-channels")
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.appendTo(output.toFile()));
        pb.environment().clear();   // the plan carries the guest's environment; nothing of ours leaks
        return new PipeTransport(pb.start());
    }

    @Override public int pid() { return (int) process.pid(); }

    @Override
    public void write(byte[] bytes) throws IOException {
        plan.write(bytes);
        plan.flush();
    }

    @Override public int read(byte[] buf, int off, int len) throws IOException {
        int n = status.read(buf, off, len);
        return Math.max(n, 0);
    }

    @Override
    public void closeChannels() {
        try {
            plan.close();
        } catch (IOException ignored) {
            // the launcher is gone: nothing to flush
        }
        try {
            status.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override public void kill() { process.destroyForcibly(); }

    @Override
    public int waitFor() throws IOException {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the launcher");
        }
    }
}
