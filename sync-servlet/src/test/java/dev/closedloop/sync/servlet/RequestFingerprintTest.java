package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The fingerprint is stored with every claim, in shared stores too: the values below were computed
 * by the filter before it was split into parts (commit 482faec), and a request must keep
 * fingerprinting to exactly them, or a retry across an upgrade would be refused as a mismatch.
 */
class RequestFingerprintTest {

  @Test
  void aJsonRequestFingerprintsAsItAlwaysDid() throws IOException {
    byte[] body = "{\"sku\":\"A-1\",\"qty\":2}".getBytes(StandardCharsets.UTF_8);
    HttpServletRequest request = request("post", "/shop/orders", "dry=1&x=é", "application/json", body, body.length,
        Map.of());
    RequestFingerprint read = RequestFingerprint.read(request, body.length, 1024);
    assertThat(read).isNotNull();
    assertThat(read.consumedBefore()).isFalse();
    assertThat(read.containerParameters()).isFalse();
    assertThat(read.body()).isEqualTo(body);
    assertThat(read.value(request)).isEqualTo("4bec6761a71a37c7784e5e6d3fc8149edfc448ca8911f48bd020f6adc13aae77");
  }

  @Test
  void anEmptyBodyOfUnknownLengthAndAbsentFieldsFingerprintAsTheyAlwaysDid() throws IOException {
    HttpServletRequest request = request("PUT", "/o/1", null, null, new byte[0], -1, Map.of());
    RequestFingerprint read = RequestFingerprint.read(request, -1, 1024);
    assertThat(read).isNotNull();
    assertThat(read.body()).isEmpty();
    assertThat(read.value(request)).isEqualTo("8813dfb8de480e6526df3f6a4f18814ffb28cc95b3d4dd5d0bc88f0ee493a60f");
  }

  @Test
  void aFormParsedBeforeTheFilterFingerprintsItsParametersAsItAlwaysDid() throws IOException {
    Map<String, String[]> params = new LinkedHashMap<>();
    params.put("b", new String[] {"2", "3"});
    params.put("a", new String[] {"ü"});
    params.put("c", new String[0]);
    // declared 11 bytes, none left to read: a filter in front parsed the form
    HttpServletRequest request = request("POST", "/f", null, "application/x-www-form-urlencoded", new byte[0], 11,
        params);
    RequestFingerprint read = RequestFingerprint.read(request, 11, 1024);
    assertThat(read).isNotNull();
    assertThat(read.consumedBefore()).isFalse();
    assertThat(read.containerParameters()).isTrue();
    assertThat(read.body()).isEmpty();
    assertThat(read.value(request)).isEqualTo("bc2b71fbf73253873a5443e4d19c998f39fdb42faced9cc93d721441d7cc2818");
  }

  @Test
  void aJsonBodyReadBeforeTheFilterCannotBeFingerprinted() throws IOException {
    byte[] rest = "tail".getBytes(StandardCharsets.UTF_8);
    HttpServletRequest request = request("POST", "/o", null, "application/json", rest, 40, Map.of());
    RequestFingerprint read = RequestFingerprint.read(request, 40, 1024);
    assertThat(read).isNotNull();
    assertThat(read.consumedBefore()).isTrue();
    assertThat(read.body()).hasSize(4);
  }

  @Test
  void aBodyLongerThanTheLimitIsRefusedWhetherOrNotItDeclaresItsLength() throws IOException {
    byte[] body = new byte[1025];
    assertThat(RequestFingerprint.read(request("POST", "/o", null, "application/json", body, -1, Map.of()), -1, 1024))
        .isNull();
    // declares less than it sends
    assertThat(RequestFingerprint.read(request("POST", "/o", null, "application/json", body, 10, Map.of()), 10, 1024))
        .isNull();
    assertThat(RequestFingerprint.read(request("POST", "/o", null, "application/json", new byte[1024], -1, Map.of()),
        -1, 1024)).isNotNull();
  }

  private static HttpServletRequest request(String method, String uri, @Nullable String query, @Nullable String type,
      byte[] body, long declared, Map<String, String[]> parameters) {
    ServletInputStream in = new Stream(body);
    return (HttpServletRequest) Proxy.newProxyInstance(RequestFingerprintTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> {
          switch (m.getName()) {
            case "getMethod":
              return method;
            case "getRequestURI":
              return uri;
            case "getQueryString":
              return query;
            case "getContentType":
              return type;
            case "getContentLengthLong":
              return declared;
            case "getInputStream":
              return in;
            case "getParameterMap":
              return parameters;
            default:
              throw new UnsupportedOperationException(m.getName());
          }
        });
  }

  private static final class Stream extends ServletInputStream {
    private final ByteArrayInputStream in;

    Stream(byte[] body) {
      this.in = new ByteArrayInputStream(body);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, len);
    }

    @Override
    public boolean isFinished() {
      return in.available() == 0;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      throw new UnsupportedOperationException();
    }
  }
}
