package org.vserver.plan;

import java.util.ArrayList;
import java.util.List;

/** An ordered list of launcher instructions: everything Java decided, nothing left to the launcher. */
public record Plan(List<Step> steps) {

    public Plan { steps = List.copyOf(steps); }

    public int indexOf(Step step) { return steps.indexOf(step); }

    public static Builder builder() { return new Builder(); }

    /** Collects steps in order; {@link #add} reads like the syscall list it produces. */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();

        public Builder add(Step step) {
            steps.add(step);
            return this;
        }

        public Builder addAll(List<? extends Step> more) {
            steps.addAll(more);
            return this;
        }

        public Plan build() { return new Plan(steps); }
    }
}
