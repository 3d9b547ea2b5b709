package org.vserver.limits;

/** A resource setting this host cannot enforce, or a value out of range; the message says which and what to do. */
public final class LimitException extends Exception {
    public LimitException(String message) { super(message); }
}
