package org.helix.sdk;

/**
 * The work of one step. Returns the step's output — a JSON object: a {@code Map}, a record or a Jackson
 * {@code ObjectNode}; at most 64 entries — or null for none. The next step's handler sees it as
 * {@link StepContext#previousOutput()}.
 *
 * <p>Throwing fails the attempt ({@link StepFailure} chooses the message and whether to retry). When the
 * lease is taken back while the handler runs ({@link StepContext#isCancelled()}), whatever it returns or
 * throws is dropped: the step is someone else's now.
 */
@FunctionalInterface
public interface StepHandler {

    Object handle(StepContext step) throws Exception;
}
