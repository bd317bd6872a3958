/**
 * A lock-free circuit breaker: CLOSED, OPEN, HALF_OPEN with leased trial calls, plus FORCED_OPEN
 * and DISABLED for operators.
 */
@NullMarked
package dev.closedloop.sync.breaker;

import org.jspecify.annotations.NullMarked;
