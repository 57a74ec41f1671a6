package dev.safetune.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Without allow-private-networks, endpoints inside the platform's network are refused. */
class DestinationPolicyTest {
    private final DestinationPolicy policy = new DestinationPolicy(false);

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1/hooks",
                "http://localhost/hooks",
                "http://10.1.2.3/hooks",
                "http://192.168.0.10/hooks",
                "http://169.254.169.254/latest/meta-data",
                "http://[::1]/hooks",
                "http://[fd00::1]/hooks",
                "http://0.0.0.0/hooks"
            })
    void nonPublicAddressesAreRefused(String url) {
        assertThat(policy.refusal(URI.create(url))).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://93.184.215.14/hooks", "https://[2606:4700::1111]/hooks"})
    void publicAddressesAreAllowed(String url) {
        assertThat(policy.refusal(URI.create(url))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/hooks", "http://10.1.2.3/hooks"})
    void everythingIsAllowedWhenPrivateNetworksAreAllowed(String url) {
        assertThat(new DestinationPolicy(true).refusal(URI.create(url))).isEmpty();
    }
}
