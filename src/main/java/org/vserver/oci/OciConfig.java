package org.vserver.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * An OCI bundle's {@code config.json} (runtime-spec 1.0.2 to 1.2), the fields vserver-oci compiles
 * into a plan. Fields the spec adds later, or another platform's ({@code windows}, {@code vm}),
 * are ignored, as the spec asks of a runtime ("MUST ignore unknown properties"). Read and checked
 * by {@link OciConfigReader}; absent optional fields are null (or empty lists and maps).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciConfig(String ociVersion, Process process, Root root, String hostname, String domainname,
                        List<Mount> mounts, Hooks hooks, Map<String, String> annotations, Linux linux) {
    public OciConfig {
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Process(Boolean terminal, ConsoleSize consoleSize, User user, List<String> args, List<String> env, String cwd,
                          Capabilities capabilities, List<Rlimit> rlimits, Boolean noNewPrivileges, Integer oomScoreAdj,
                          String apparmorProfile, String selinuxLabel) {
        public Process {
            args = args == null ? List.of() : List.copyOf(args);
            env = env == null ? List.of() : List.copyOf(env);
            rlimits = rlimits == null ? List.of() : List.copyOf(rlimits);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ConsoleSize(Integer height, Integer width) {}

    /** uid and gid are required by the spec; additionalGids and umask optional. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(Long uid, Long gid, Integer umask, List<Long> additionalGids) {
        public User {
            additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
        }
    }

    /** The five capability sets, names as CAP_CHOWN. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Capabilities(List<String> bounding, List<String> effective, List<String> inheritable, List<String> permitted,
                               List<String> ambient) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rlimit(String type, Long soft, Long hard) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Root(String path, Boolean readonly) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Mount(String destination, String source, String type, List<String> options, List<IdMapping> uidMappings,
                        List<IdMapping> gidMappings) {
        public Mount {
            options = options == null ? List.of() : List.copyOf(options);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer, List<Hook> startContainer,
                        List<Hook> poststart, List<Hook> poststop) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Linux(List<Namespace> namespaces, List<IdMapping> uidMappings, List<IdMapping> gidMappings,
                        Map<String, String> sysctl, Resources resources, String cgroupsPath, Seccomp seccomp,
                        List<String> maskedPaths, List<String> readonlyPaths, List<Device> devices, String rootfsPropagation,
                        String mountLabel) {
        public Linux {
            namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
            uidMappings = uidMappings == null ? List.of() : List.copyOf(uidMappings);
            gidMappings = gidMappings == null ? List.of() : List.copyOf(gidMappings);
            sysctl = sysctl == null ? Map.of() : Map.copyOf(sysctl);
            maskedPaths = maskedPaths == null ? List.of() : List.copyOf(maskedPaths);
            readonlyPaths = readonlyPaths == null ? List.of() : List.copyOf(readonlyPaths);
            devices = devices == null ? List.of() : List.copyOf(devices);
        }
    }

    /** A namespace to create ({@code path} null) or to join ({@code path} of /proc/PID/ns/TYPE or a bind of it). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IdMapping(Long containerID, Long hostID, Long size) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Device(String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DeviceRule(Boolean allow, String type, Long major, Long minor, String access) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Memory(Long limit, Long reservation, Long swap) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pids(Long limit) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Seccomp(String defaultAction, Integer defaultErrnoRet, List<String> architectures, List<String> flags,
                          List<Syscall> syscalls) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Syscall(List<String> names, String action, Integer errnoRet, List<Arg> args) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Arg(Integer index, Long value, Long valueTwo, String op) {}
}
