package io.caisson.image.ocicrypt;

import io.caisson.json.JsonValue;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPrivateKeySpec;

/** JSON Web Keys (RFC 7517, 7518 section 6): RSA and the NIST curves, as ocicrypt reads them. */
final class JsonWebKeys {
  private JsonWebKeys() {}

  /** The public EC key of a JWK such as a JWE's {@code epk}. */
  static ECPublicKey ecPublicKey(JsonValue jwk) throws UnwrapException {
    if (!"EC".equals(jwk.path("kty").asText())) {
      throw new UnwrapException("the ephemeral key is not an EC key");
    }
    ECParameterSpec curve = curve(jwk.path("crv").asText());
    ECPoint point = new ECPoint(integer(jwk, "x"), integer(jwk, "y"));
    try {
      return (ECPublicKey)
          KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, curve));
    } catch (GeneralSecurityException e) {
      throw new UnwrapException("the ephemeral key is not a valid EC key: " + e.getMessage());
    }
  }

  /** The private key of an RSA or EC JWK; a public-only JWK is an error. */
  static PrivateKey privateKey(JsonValue jwk) throws UnwrapException {
    if (!jwk.has("d")) {
      throw new UnwrapException("the JWK holds no private key");
    }
    try {
      return switch (jwk.path("kty").asText()) {
        case "RSA" -> rsa(jwk);
        case "EC" ->
            KeyFactory.getInstance("EC")
                .generatePrivate(
                    new ECPrivateKeySpec(integer(jwk, "d"), curve(jwk.path("crv").asText())));
        default ->
            throw new UnwrapException("a JWK of type " + jwk.path("kty") + " is not supported");
      };
    } catch (GeneralSecurityException e) {
      throw new UnwrapException("the JWK is not a valid key: " + e.getMessage());
    }
  }

  private static PrivateKey rsa(JsonValue jwk) throws GeneralSecurityException, UnwrapException {
    KeyFactory rsa = KeyFactory.getInstance("RSA");
    if (!jwk.has("p")) {
      return rsa.generatePrivate(new RSAPrivateKeySpec(integer(jwk, "n"), integer(jwk, "d")));
    }
    return rsa.generatePrivate(
        new RSAPrivateCrtKeySpec(
            integer(jwk, "n"),
            integer(jwk, "e"),
            integer(jwk, "d"),
            integer(jwk, "p"),
            integer(jwk, "q"),
            integer(jwk, "dp"),
            integer(jwk, "dq"),
            integer(jwk, "qi")));
  }

  private static ECParameterSpec curve(String crv) throws UnwrapException {
    String name =
        switch (crv) {
          case "P-256" -> "secp256r1";
          case "P-384" -> "secp384r1";
          case "P-521" -> "secp521r1";
          default -> throw new UnwrapException("curve \"" + crv + "\" is not supported");
        };
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(name));
      return params.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new UnwrapException("this JDK has no curve " + crv);
    }
  }

  private static BigInteger integer(JsonValue jwk, String field) throws UnwrapException {
    JsonValue value = jwk.get(field);
    if (value == null || !value.isTextual()) {
      throw new UnwrapException("the JWK has no \"" + field + "\"");
    }
    return new BigInteger(1, Jwe.b64(value.asText(), field));
  }
}
