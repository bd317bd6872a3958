/**
 * Compatibility kits: abstract JUnit 5 classes that every implementation of one of our SPIs
 * extends, so the in-memory, Redis and PostgreSQL implementations pass the same cases.
 */
@NullMarked
package dev.closedloop.sync.testkit;

import org.jspecify.annotations.NullMarked;
