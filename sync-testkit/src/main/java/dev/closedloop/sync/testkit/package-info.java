/**
 * Compatibility kits: abstract JUnit 5 classes that every implementation of a Closed Loop Sync
 * SPI extends, so that the in-memory implementations and the adapters (files, Redis,
 * PostgreSQL) are held to the same cases.
 */
@NullMarked
package dev.closedloop.sync.testkit;

import org.jspecify.annotations.NullMarked;
