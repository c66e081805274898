package org.helix.ucf;

/**
 * The field's phase, from the thresholds of the UCF documentation, checked in this order:
 * TRANSCENDENT (harmony >= 1.20, resilience >= 1.20, drishti >= 0.85, klesha <= 0.10),
 * COHERENT (harmony >= 0.60, resilience >= 0.70, klesha <= 0.60),
 * FRAGMENTED (harmony < 0.40 or klesha > 0.70), DORMANT (prana < 0.30 and harmony > 0.50), else STABLE.
 */
public enum Phase {
    TRANSCENDENT, COHERENT, FRAGMENTED, DORMANT, STABLE;

    public static Phase of(Ucf f) {
        if (f.harmony() >= 1.20 && f.resilience() >= 1.20 && f.drishti() >= 0.85 && f.klesha() <= 0.10) {
            return TRANSCENDENT;
        }
        if (f.harmony() >= 0.60 && f.resilience() >= 0.70 && f.klesha() <= 0.60) {
            return COHERENT;
        }
        if (f.harmony() < 0.40 || f.klesha() > 0.70) {
            return FRAGMENTED;
        }
        if (f.prana() < 0.30 && f.harmony() > 0.50) {
            return DORMANT;
        }
        return STABLE;
    }
}
