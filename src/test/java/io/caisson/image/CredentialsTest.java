package io.caisson.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CredentialsTest {

  private static Credentials forServer(String serverAddress) {
    return new Credentials("u", "p", null, null, null, serverAddress);
  }

  @Test
  void noServerAddressFitsEveryRegistry() {
    assertThat(Credentials.basic("u", "p").issuedFor("registry.example.com")).isTrue();
    assertThat(forServer("").issuedFor("docker.io")).isTrue();
  }

  @Test
  void theServerAddressHostMustBeTheRegistry() {
    assertThat(forServer("registry.example.com").issuedFor("registry.example.com")).isTrue();
    assertThat(forServer("https://registry.example.com/v2/").issuedFor("registry.example.com"))
        .isTrue();
    assertThat(forServer("registry.example.com/team").issuedFor("registry.example.com")).isTrue();
    assertThat(forServer("Registry.Example.com").issuedFor("registry.example.com")).isTrue();
    assertThat(forServer("registry.example.com").issuedFor("evil.example.com")).isFalse();
    assertThat(forServer("example.com").issuedFor("registry.example.com")).isFalse();
  }

  @Test
  void portsAreCompared() {
    assertThat(forServer("127.0.0.1:5000").issuedFor("127.0.0.1:5000")).isTrue();
    assertThat(forServer("http://127.0.0.1:5000").issuedFor("127.0.0.1:5001")).isFalse();
    assertThat(forServer("127.0.0.1").issuedFor("127.0.0.1:5000")).isFalse();
  }

  @Test
  void wildcardsStandForPartOfOneLabel() {
    assertThat(forServer("*.example.com").issuedFor("registry.example.com")).isTrue();
    assertThat(forServer("*.example.com").issuedFor("a.b.example.com")).isFalse();
    assertThat(forServer("*.example.com").issuedFor("example.com")).isFalse();
    assertThat(forServer("*-ecr.example.com").issuedFor("prod-ecr.example.com")).isTrue();
    assertThat(forServer("*-ecr.example.com").issuedFor("prod-gcr.example.com")).isFalse();
  }

  @Test
  void dockerHubNamesAreOneRegistry() {
    assertThat(forServer("https://index.docker.io/v1/").issuedFor("docker.io")).isTrue();
    assertThat(forServer("docker.io").issuedFor("docker.io")).isTrue();
    assertThat(forServer("registry-1.docker.io").issuedFor("docker.io")).isTrue();
    assertThat(forServer("quay.io").issuedFor("docker.io")).isFalse();
  }
}
