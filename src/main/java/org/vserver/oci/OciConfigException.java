package org.vserver.oci;

/**
 * A {@code config.json} refused before anything is created: the file, the JSON path of the field
 * ({@code $.process.args[2]}) and what was expected there.
 */
public final class OciConfigException extends Exception {
    private final String path;

    public OciConfigException(String file, String path, String message) {
        super(file + ": " + path + ": " + message);
        this.path = path;
    }

    /** The field's JSON path, {@code $} for the document. */
    public String path() { return path; }
}
