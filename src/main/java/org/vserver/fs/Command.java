package org.vserver.fs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * One external program run by a build (tar, cp, debootstrap, the skeleton's command): looked up
 * in a {@link SearchPath}, stdin at EOF (a build is not interactive), stdout and stderr merged and
 * streamed line by line to the progress sink. The last lines are kept, because when debootstrap
 * fails after ten minutes the reason is in its last lines, and the exception must carry it.
 *
 * @param method   the build method, for the message
 * @param path     where the program is looked up; also the children's PATH
 * @param argv     the program's name (or path) and its arguments
 * @param cwd      the working directory; null = the JVM's
 * @param env      variables added to the inherited environment
 * @param progress where output lines go
 */
record Command(String method, SearchPath path, List<String> argv, Path cwd, Map<String, String> env,
               Consumer<String> progress) {

    /** How many output lines a failure message quotes. */
    static final int TAIL = 20;

    Command {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    Command(String method, SearchPath path, List<String> argv, Consumer<String> progress) {
        this(method, path, argv, null, Map.of(), progress);
    }

    /**
     * The program's absolute path, or the failure that says which Debian package to install.
     * Checked before a build touches the vdir, so a missing tool leaves nothing behind.
     */
    static Path require(String method, SearchPath path, String program, String debianPackage) throws BuildException {
        return path.find(program).orElseThrow(() -> new BuildException(method, program + " not found: install the"
                + " Debian package '" + debianPackage + "' (apt-get install " + debianPackage + "); searched PATH="
                + path.asPathVariable()));
    }

    /** Runs to the end; a nonzero exit is a {@link BuildException} with the command line, the code and the tail. */
    void run() throws BuildException {
        Tail tail = new Tail(progress);
        Process p = start(builder(true), tail);
        drain(p.getInputStream(), tail);
        check(this, waitFor(p), tail);
    }

    /** Runs to the end and returns stdout and stderr, for short queries like {@code tar --version}. */
    String capture() throws BuildException {
        List<String> lines = new ArrayList<>();
        Tail tail = new Tail(lines::add);
        Process p = start(builder(true), tail);
        drain(p.getInputStream(), tail);
        check(this, waitFor(p), tail);
        return String.join("\n", lines);
    }

    /**
     * {@code this | next}: the two run as one pipeline (ProcessBuilder.startPipeline), each one's
     * stderr streamed to progress; a failure names whichever side failed first.
     */
    void pipeTo(Command next) throws BuildException {
        Tail tail = new Tail(progress);
        ProcessBuilder from = builder(false).redirectError(ProcessBuilder.Redirect.PIPE);
        ProcessBuilder to = next.builder(true);
        progress.accept("running " + line() + " | " + next.line());
        List<Process> ps;
        try {
            ps = ProcessBuilder.startPipeline(List.of(from, to));
        } catch (IOException e) {
            throw new BuildException(method, "cannot run `" + line() + " | " + next.line() + "`: " + e.getMessage(), e);
        }
        closeStdin(ps.get(0));
        Thread errors = Thread.ofVirtual().start(() -> {
            try {
                drainQuietly(ps.get(0).getErrorStream(), tail);
            } catch (UncheckedIOException e) {
                tail.add("(cannot read the stderr of " + argv.getFirst() + ": " + e.getMessage() + ")");
            }
        });
        drain(ps.get(1).getInputStream(), tail);
        int fromCode = waitFor(ps.get(0));
        int toCode = waitFor(ps.get(1));
        try {
            errors.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        check(this, fromCode, tail);
        check(next, toCode, tail);
    }

    /** The command line as a shell would show it, for messages. */
    String line() {
        return argv.stream().map(Command::quote).collect(Collectors.joining(" "));
    }

    private ProcessBuilder builder(boolean mergeStderr) throws BuildException {
        List<String> resolved = new ArrayList<>(argv);
        resolved.set(0, path.find(argv.getFirst()).orElseThrow(() -> new BuildException(method,
                argv.getFirst() + " not found (searched PATH=" + path.asPathVariable() + ")")).toString());
        ProcessBuilder pb = new ProcessBuilder(resolved).redirectErrorStream(mergeStderr);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().put("PATH", path.asPathVariable());
        pb.environment().putAll(env);
        return pb;
    }

    private Process start(ProcessBuilder pb, Tail tail) throws BuildException {
        progress.accept("running " + line());
        try {
            Process p = pb.start();
            closeStdin(p);
            return p;
        } catch (IOException e) {
            throw new BuildException(method, "cannot run `" + line() + "`: " + e.getMessage(), e);
        }
    }

    private static void closeStdin(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the child may already be gone; its exit code tells
        }
    }

    private void drain(InputStream in, Tail tail) throws BuildException {
        try {
            drainQuietly(in, tail);
        } catch (UncheckedIOException e) {
            throw new BuildException(method, "cannot read the output of `" + line() + "`: " + e.getMessage(), e);
        }
    }

    private static void drainQuietly(InputStream in, Tail tail) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                tail.add(l);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int waitFor(Process p) throws BuildException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BuildException(method, "interrupted while running `" + line() + "`", e);
        }
    }

    private static void check(Command c, int code, Tail tail) throws BuildException {
        if (code != 0) {
            throw new BuildException(c.method, "`" + c.line() + "` failed with exit code " + code + tail.quoted());
        }
    }

    private static String quote(String word) {
        return word.isEmpty() || word.chars().anyMatch(ch -> " \t\n'\"\\$`*?;&|<>()".indexOf(ch) >= 0)
                ? "'" + word.replace("'", "'\\''") + "'" : word;
    }

    /** Forwards lines and keeps the last {@link #TAIL}; two pipeline sides may add at once. */
    private static final class Tail {
        private final Consumer<String> sink;
        private final Deque<String> last = new ArrayDeque<>();

        Tail(Consumer<String> sink) {
            this.sink = sink;
        }

        synchronized void add(String line) {
            sink.accept(line);
            if (last.size() == TAIL) {
                last.removeFirst();
            }
            last.addLast(line);
        }

        synchronized String quoted() {
            return last.isEmpty() ? " (no output)"
                    : "; last output:\n" + last.stream().map(l -> "  " + l).collect(Collectors.joining("\n"));
        }
    }
}
