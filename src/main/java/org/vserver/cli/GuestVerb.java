package org.vserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** A command that follows a guest's name; picocli or {@link Lifecycle} sets the guest. */
abstract class GuestVerb implements Callable<Integer> {
    @ParentCommand GuestCommand parent;
}
