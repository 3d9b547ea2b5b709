package org.vserver.unify;

/**
 * What a run did (or, dry, would do); a dry run and the real run after it give the same figures.
 *
 * @param filesExamined candidate files (regular, >= 16 bytes, not excluded, not conffiles, not dot files, not unified yet)
 * @param candidateBytes their total size
 * @param filesLinked files replaced by a link to a store entry
 * @param bytesSaved space really freed: the size of each replaced file whose old inode had no other name
 * @param mastersCreated files that became a new store entry
 */
public record HashifyResult(long filesExamined, long candidateBytes, long filesLinked, long bytesSaved, long mastersCreated) {}
