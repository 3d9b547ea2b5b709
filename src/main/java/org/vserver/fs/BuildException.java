package org.vserver.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A build that cannot go on. The message starts with {@code build -m METHOD:} and names the path
 * or the command line and the reason, and where there is one, what to do; it is printed as is,
 * without a stack trace. A partial vdir is left for the caller to remove or keep ({@code --keep}).
 */
public final class BuildException extends Exception {
    private final String method;

    /** @param method the method's name, or null when the method itself is unknown */
    public BuildException(String method, String message) {
        super((method == null ? "build: " : "build -m " + method + ": ") + message);
        this.method = method;
    }

    public BuildException(String method, String message, Throwable cause) {
        this(method, message);
        initCause(cause);
    }

    /** "cannot ACTION: PATH: REASON" for a failed file operation. */
    static BuildException io(String method, String action, IOException e) {
        return new BuildException(method, "cannot " + action + ": " + describe(e), e);
    }

    /** The method's name, or null for an unknown method. */
    public String method() {
        return method;
    }

    /**
     * The JDK's file exceptions carry only the path when the reason is the exception's class
     * (NoSuchFileException("/x")); spell that reason out so the message reads on its own.
     */
    static String describe(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() == null) {
            String what = switch (fse) {
                case NoSuchFileException x -> "no such file or directory";
                case AccessDeniedException x -> "permission denied";
                case FileAlreadyExistsException x -> "already exists";
                case DirectoryNotEmptyException x -> "directory not empty";
                case NotDirectoryException x -> "not a directory";
                case FileSystemLoopException x -> "too many levels of symbolic links";
                default -> fse.getClass().getSimpleName();
            };
            return fse.getMessage() + ": " + what;
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
