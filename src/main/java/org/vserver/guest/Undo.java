package org.vserver.guest;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The host-side changes of a start, registered as they are made and reverted in reverse order
 * unless the start commits (Incus' {@code revert}). A failed start leaves nothing behind.
 */
public final class Undo implements AutoCloseable {

    /** One revert action; may throw, the others still run. */
    public interface Action {
        void run() throws Exception;
    }

    private final Deque<Action> actions = new ArrayDeque<>();
    private final PrintStream err;
    private boolean committed;

    /** @param err where a revert that fails is reported (the command's error stream): the others still run */
    public Undo(PrintStream err) {
        this.err = err;
    }

    public void add(Action a) { actions.push(a); }

    public void commit() { committed = true; }

    @Override
    public void close() {
        if (committed) return;
        while (!actions.isEmpty()) {
            try {
                actions.pop().run();
            } catch (Exception e) {
                err.println("vserver: cleanup after the failure also failed: " + e.getMessage());
            }
        }
    }
}
