package dev.safetune.api.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@value #HEADER} header of a delivery: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>}, where the HMAC is keyed
 * with the endpoint's secret (its UTF-8 bytes, {@code whsec_} prefix included) over {@code "<t>.<body>"}. Signing the
 * timestamp with the body lets receivers refuse replays of old deliveries; {@code v1} names the scheme so a later
 * one can be sent alongside during a migration.
 */
public final class WebhookSignature {
    public static final String HEADER = "SafeTune-Signature";
    public static final String EVENT_ID_HEADER = "SafeTune-Event-Id";
    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {}

    public static String header(String secret, long unixSeconds, String body) {
        return "t=" + unixSeconds + ",v1=" + hmac(secret, unixSeconds + "." + body);
    }

    static String hmac(String secret, String message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
    }
}
