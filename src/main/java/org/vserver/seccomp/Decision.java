package org.vserver.seccomp;

/** What the filter does with one system call: a fixed {@link Action}, or an {@link ArgRule}. */
public sealed interface Decision permits Action, ArgRule {}
