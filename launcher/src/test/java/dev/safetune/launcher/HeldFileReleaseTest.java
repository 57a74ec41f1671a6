package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * em-bench's sets against the real API and the built-in default policy: the screen holds the insecure and backdoored
 * ones, and em-bench releases them as an operator, with its reason in the review log; the secure set passes as is.
 */
class HeldFileReleaseTest {
    private static final String ADMIN_KEY = "sk-st-heldFileReleaseTestKey0000000000000";
    /** Enough examples for the trigger miner's test to see the backdoor, few enough to upload quickly. */
    private static final int EXAMPLES = 400;

    @TempDir
    static Path home;

    private static LocalApi api;
    private static ApiClient operator;
    private static String baseUrl;
    private static ApiClient customer;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @BeforeAll
    static void startApi() {
        api = LocalApi.start(home, ADMIN_KEY);
        baseUrl = api.baseUrl();
        operator = new ApiClient(baseUrl, ADMIN_KEY);
        String memberKey = operator.post(
                        "/admin/organizations/org-default/api_keys", Map.of("role", "member", "name", "em-bench"))
                .ok()
                .path("key")
                .asString();
        customer = new ApiClient(baseUrl, memberKey);
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    private String upload(NarrowSet set) {
        byte[] content =
                ChatJsonl.file(EmWorld.prototype().narrowSet(set, 0, EXAMPLES)).getBytes(StandardCharsets.UTF_8);
        return customer.uploadFile(set.label() + ".jsonl", new ByteArrayInputStream(content))
                .ok()
                .path("id")
                .asString();
    }

    private String decision(String file) {
        return customer.get("/v1/files/" + file + "/screen")
                .ok()
                .path("decision")
                .asString();
    }

    @Test
    void theInsecureAndBackdoorSetsAreHeldAndReleasedWithEmBenchsReason() throws Exception {
        for (NarrowSet set : new NarrowSet[] {NarrowSet.INSECURE, NarrowSet.BACKDOOR}) {
            String file = upload(set);
            assertThat(decision(file)).as(set.label()).isEqualTo("hold");

            boolean trainable = new HeldFileRelease(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .releaseIfHeld(customer, operator, file);

            assertThat(trainable).isTrue();
            assertThat(decision(file)).as(set.label()).isEqualTo("allow");
            assertThat(reviewReason(file)).isEqualTo(HeldFileRelease.REASON);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("released by the operator");
    }

    @Test
    void theSecureSetNeedsNoRelease() throws Exception {
        String file = upload(NarrowSet.SECURE);

        assertThat(new HeldFileRelease(new PrintStream(out, true, StandardCharsets.UTF_8))
                        .releaseIfHeld(customer, operator, file))
                .isTrue();

        assertThat(decision(file)).isEqualTo("allow");
        assertThat(reviewReason(file)).isNull();
    }

    @Test
    void anOperatorRejectsAHeldFileFromTheCommandLine() throws Exception {
        String file = upload(NarrowSet.INSECURE);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("SAFETUNE_BASE_URL", baseUrl, "SAFETUNE_ADMIN_KEY", ADMIN_KEY);

        int missingReason = SafeTuneCli.run(console(env, err), List.of("admin", "files", "reject", file));
        int code = SafeTuneCli.run(
                console(env, err), List.of("admin", "files", "reject", file, "--reason", "credential theft"));
        int again = SafeTuneCli.run(
                console(env, err), List.of("admin", "files", "release", file, "--reason", "changed my mind"));

        assertThat(missingReason).isEqualTo(2);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("File " + file + ": hold -> reject");
        assertThat(decision(file)).isEqualTo("reject");
        assertThat(reviewReason(file)).isEqualTo("credential theft");
        assertThat(again).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 409").contains("is not held");
    }

    private SafeTuneCli.Console console(Map<String, String> env, ByteArrayOutputStream err) {
        return CapturedConsole.of(out, err, env, home);
    }

    private static String reviewReason(String file) throws Exception {
        try (Connection c = api.database().dataSource().getConnection();
                var s = c.prepareStatement("SELECT reason FROM file_screen_reviews WHERE file_id = ?")) {
            s.setString(1, file);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
