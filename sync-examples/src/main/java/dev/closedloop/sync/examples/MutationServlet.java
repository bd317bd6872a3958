package dev.closedloop.sync.examples;

import dev.closedloop.sync.examples.DemoHttp.ProblemException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A demo endpoint: one method, a JSON body in, JSON out, problems as {@code
 * application/problem+json}. Subclasses implement {@link #handle}.
 *
 * <p>This class is threadsafe if its subclass is.
 */
abstract class MutationServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final String method;

  MutationServlet(String method) {
    this.method = method;
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (!req.getMethod().equals(method)) {
      resp.setHeader("Allow", method);
      DemoHttp.writeProblem(resp, new ProblemException(405, "method-not-allowed", "Method not allowed",
          req.getMethod() + " is not allowed here; use " + method), req.getRequestURI());
      return;
    }
    try {
      handle(req, resp);
    } catch (ProblemException p) {
      DemoHttp.writeProblem(resp, p, req.getRequestURI());
    }
  }

  /** Applies the request's effect once and writes the response. */
  abstract void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException, ProblemException;
}
