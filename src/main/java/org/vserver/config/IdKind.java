package org.vserver.config;

/**
 * User ids or group ids: a guest has one range of each, in its own file, allocated from its own
 * subordinate-id file ({@code /etc/subuid} or {@code /etc/subgid}).
 */
public enum IdKind {
    UID("uid", "userns/uidmap"),
    GID("gid", "userns/gidmap");

    private final String word;
    private final String mapFile;

    IdKind(String word, String mapFile) {
        this.word = word;
        this.mapFile = mapFile;
    }

    /** "uid" or "gid", for messages. */
    public String word() { return word; }

    /** The guest's file holding its range, relative to the cfgdir. */
    public String mapFile() { return mapFile; }
}
