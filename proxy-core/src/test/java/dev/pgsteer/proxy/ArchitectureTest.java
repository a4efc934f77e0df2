package dev.pgsteer.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;

/**
 * The rules of docs/ARCHITECTURE.md, checked on the compiled classes of every module, so that a
 * change cannot undo them silently: which module may use what, that no package of any module
 * depends on itself through others, and the order of proxy-core's layers.
 */
class ArchitectureTest {
    static final JavaClasses PGSTEER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pgsteer");

    @Test
    void protocolUsesNoOtherModule() {
        noClasses().that().resideInAPackage("dev.pgsteer.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pgsteer.config..", "dev.pgsteer.router..",
                        "dev.pgsteer.proxy..", "java.sql..", "org.postgresql..", "com.zaxxer..")
                .because("protocol is the wire format and nothing else")
                .check(PGSTEER);
    }

    @Test
    void configUsesNoNettyAndNoLaterModule() {
        noClasses().that().resideInAPackage("dev.pgsteer.config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "dev.pgsteer.router..", "dev.pgsteer.proxy..")
                .because("config reads files and the metadata store; the network is proxy-core's")
                .check(PGSTEER);
    }

    @Test
    void routerMakesPureDecisions() {
        noClasses().that().resideInAPackage("dev.pgsteer.router..")
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..", "java.sql..", "javax.sql..",
                        "org.postgresql..", "com.zaxxer..", "dev.pgsteer.proxy..")
                .because("the router decides from a statement and the configuration only: no network, no JDBC")
                .check(PGSTEER);
        noClasses().that().resideInAPackage("dev.pgsteer.router..")
                .should().dependOnClassesThat().belongToAnyOf(Thread.class, ExecutorService.class)
                .because("the router runs on its caller's thread; proxy-core chooses where")
                .check(PGSTEER);
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        // Each package is a slice of its own (dev.pgsteer.proxy.sharding and .sharding.relay are two).
        slices().matching("dev.pgsteer.(**)").should().beFreeOfCycles()
                .because("a package can then be read, tested and moved on its own")
                .check(PGSTEER);
    }

    @Test
    void theFrontDoorKnowsNoRelay() {
        noClasses().that().resideInAPackage("dev.pgsteer.proxy.client..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pgsteer.proxy.relay..", "dev.pgsteer.proxy.sharding..",
                        "dev.pgsteer.proxy.admin..", "dev.pgsteer.proxy.tenant..", "dev.pgsteer.proxy.server..",
                        "dev.pgsteer.proxy.runtime..", "dev.pgsteer.proxy.cli..")
                .because("a session's relay is chosen above it (server.RelayFactory); the client side knows only SessionRelay")
                .check(PGSTEER);
    }

    @Test
    void backendConnectionsKnowNoSession() {
        noClasses().that().resideInAPackage("dev.pgsteer.proxy.backend..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.pgsteer.proxy.client..", "dev.pgsteer.proxy.relay..",
                        "dev.pgsteer.proxy.sharding..", "dev.pgsteer.proxy.admin..", "dev.pgsteer.proxy.tenant..",
                        "dev.pgsteer.proxy.server..", "dev.pgsteer.proxy.runtime..", "dev.pgsteer.proxy.cli..")
                .because("connections and pools serve every kind of session through BackendListener")
                .check(PGSTEER);
    }

    @Test
    void theRouterDecidesAndProxyCoreExecutes() {
        noClasses().that().resideInAPackage("dev.pgsteer.proxy..")
                .should().dependOnClassesThat().haveFullyQualifiedName("net.sf.jsqlparser.parser.CCJSqlParserUtil")
                .because("statements are parsed by the router only (Router, ShardRouter); proxy-core executes its commands")
                .check(PGSTEER);
    }
}
