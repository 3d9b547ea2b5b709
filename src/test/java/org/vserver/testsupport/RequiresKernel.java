package org.vserver.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test (class or method) that needs these features of the running kernel; it implies
 * {@link RequiresRoot}. Without one the test is skipped with {@link HostFeatures#PREFIX} and what the
 * probe found, which scripts/test accepts as the only reason to skip.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(HostFeatures.class)
@Tag("host")    // -Dvserver.it=false leaves the tag out of the run: not run, so never a skip
public @interface RequiresKernel {
    Feature[] value();
}
