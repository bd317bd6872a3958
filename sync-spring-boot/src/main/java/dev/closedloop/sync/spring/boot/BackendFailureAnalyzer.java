package dev.closedloop.sync.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a store or bus that could not start into Spring Boot's "APPLICATION FAILED TO START"
 * report: the description names the property and the cause, the action says how to fix it.
 *
 * <p>This class is threadsafe: it holds no state.
 */
final class BackendFailureAnalyzer extends AbstractFailureAnalyzer<BackendStartupException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, BackendStartupException cause) {
    return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
  }
}
