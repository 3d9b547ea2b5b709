package org.vserver.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and checks a bundle's {@code config.json} before vserver-oci creates anything: a field of
 * the wrong type, a missing required field, an unsupported spec version or an unknown namespace
 * type is refused with the field's JSON path and what was expected there. Unknown fields are
 * ignored (runtime-spec: "MUST ignore unknown properties").
 */
public final class OciConfigReader {
    /** The namespace types of runtime-spec's Linux section. */
    public static final List<String> NAMESPACES = List.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

    /** Spec versions vserver-oci reads: 1.0.2 and later 1.x (pre-releases such as podman's 1.0.2-dev included). */
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+].*)?");

    private final ObjectMapper json = strict(new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false));

    /** A number where a string is meant (or the reverse) is a mistake in a config, not something to coerce. */
    private static ObjectMapper strict(ObjectMapper m) {
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType t : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean))
            m.coercionConfigFor(t).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return m;
    }

    /**
     * @param file  the file's name, for messages
     * @param bytes its content
     */
    public OciConfig read(String file, byte[] bytes) throws OciConfigException {
        JsonNode tree;
        try {
            tree = json.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new OciConfigException(file, "$", "not JSON" + (at != null ? " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")" : "") + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new OciConfigException(file, "$", "unreadable: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) throw new OciConfigException(file, "$", "expected an object, found " + kind(tree));
        OciConfig c;
        try {
            c = json.treeToValue(tree, OciConfig.class);
        } catch (JsonMappingException e) {
            String path = path(e.getPath());
            String expected = e instanceof MismatchedInputException m && m.getTargetType() != null ? expected(m.getTargetType()) : "another value";
            throw new OciConfigException(file, path, "expected " + expected + ", found " + kind(at(tree, e.getPath())));
        } catch (JsonProcessingException e) {
            throw new OciConfigException(file, "$", e.getOriginalMessage());
        }
        check(file, c);
        return c;
    }

    private static void check(String file, OciConfig c) throws OciConfigException {
        if (c.ociVersion() == null) throw new OciConfigException(file, "$.ociVersion", "required (the runtime-spec version, e.g. \"1.0.2\")");
        Matcher v = VERSION.matcher(c.ociVersion());
        if (!v.matches() || Integer.parseInt(v.group(1)) != 1
                || (Integer.parseInt(v.group(2)) == 0 && Integer.parseInt(v.group(3)) < 2))
            throw new OciConfigException(file, "$.ociVersion", "unsupported version \"" + c.ociVersion()
                    + "\" (vserver-oci reads runtime-spec 1.0.2 and later 1.x)");
        if (c.root() == null || c.root().path() == null || c.root().path().isEmpty())
            throw new OciConfigException(file, "$.root.path", "required (the rootfs, relative to the bundle or absolute)");
        if (c.process() != null) {
            var p = c.process();
            if (p.args().isEmpty()) throw new OciConfigException(file, "$.process.args", "expected at least one argument (the program)");
            if (p.cwd() == null || !p.cwd().startsWith("/")) throw new OciConfigException(file, "$.process.cwd", "expected an absolute path");
            if (p.user() == null) throw new OciConfigException(file, "$.process.user", "required (uid and gid)");
            if (p.user().uid() == null) throw new OciConfigException(file, "$.process.user.uid", "required");
            if (p.user().gid() == null) throw new OciConfigException(file, "$.process.user.gid", "required");
            for (int i = 0; i < p.env().size(); i++)
                if (!p.env().get(i).contains("="))
                    throw new OciConfigException(file, "$.process.env[" + i + "]", "expected NAME=VALUE, found \"" + p.env().get(i) + "\"");
        }
        for (int i = 0; i < c.mounts().size(); i++) {
            var m = c.mounts().get(i);
            if (m.destination() == null || !m.destination().startsWith("/"))
                throw new OciConfigException(file, "$.mounts[" + i + "].destination", "expected an absolute path");
        }
        if (c.linux() != null) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < c.linux().namespaces().size(); i++) {
                var n = c.linux().namespaces().get(i);
                String at = "$.linux.namespaces[" + i + "].type";
                if (n.type() == null) throw new OciConfigException(file, at, "required (one of " + String.join(", ", NAMESPACES) + ")");
                if (!NAMESPACES.contains(n.type()))
                    throw new OciConfigException(file, at, "unknown namespace type \"" + n.type() + "\" (expected one of "
                            + String.join(", ", NAMESPACES) + ")");
                if (!seen.add(n.type())) throw new OciConfigException(file, at, "namespace type \"" + n.type() + "\" given twice");
            }
            for (String list : List.of("uidMappings", "gidMappings")) {
                var maps = list.equals("uidMappings") ? c.linux().uidMappings() : c.linux().gidMappings();
                for (int i = 0; i < maps.size(); i++) {
                    var m = maps.get(i);
                    if (m.containerID() == null || m.hostID() == null || m.size() == null || m.size() <= 0)
                        throw new OciConfigException(file, "$.linux." + list + "[" + i + "]", "expected containerID, hostID and a size above 0");
                }
            }
        }
    }

    /** Jackson's reference path as a JSON path: {@code $.process.args[2]}. */
    static String path(List<JsonMappingException.Reference> refs) {
        var s = new StringBuilder("$");
        for (var r : refs) {
            if (r.getFieldName() != null) s.append('.').append(r.getFieldName());
            else if (r.getIndex() >= 0) s.append('[').append(r.getIndex()).append(']');
        }
        return s.toString();
    }

    private static JsonNode at(JsonNode tree, List<JsonMappingException.Reference> refs) {
        JsonNode n = tree;
        for (var r : refs) {
            if (n == null) return null;
            n = r.getFieldName() != null ? n.get(r.getFieldName()) : n.get(r.getIndex());
        }
        return n;
    }

    private static String expected(Class<?> type) {
        if (type == String.class) return "a string";
        if (type == Boolean.class || type == boolean.class) return "true or false";
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) return "a number";
        if (List.class.isAssignableFrom(type) || type.isArray()) return "an array";
        return "an object";
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        if (n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isNumber()) return "a number";
        if (n.isArray()) return "an array";
        return "an object";
    }
}
