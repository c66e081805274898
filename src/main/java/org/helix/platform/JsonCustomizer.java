package org.helix.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Strict JSON: the contract says wrong types are rejected, never coerced ({@code "steps": "108"} is a
 * 400), and unknown fields are refused. Naming is snake_case (application.properties).
 */
@Singleton
public class JsonCustomizer implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
        mapper.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);
        mapper.configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);
        mapper.configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);
        for (LogicalType type : new LogicalType[]{LogicalType.Textual, LogicalType.Integer, LogicalType.Float,
                LogicalType.Boolean}) {
            for (CoercionInputShape shape : CoercionInputShape.values()) {
                if (!natural(type, shape)) {
                    mapper.coercionConfigFor(type).setCoercion(shape, CoercionAction.Fail);
                }
            }
        }
    }

    private static boolean natural(LogicalType type, CoercionInputShape shape) {
        return switch (type) {
            case Textual -> shape == CoercionInputShape.String;
            case Integer -> shape == CoercionInputShape.Integer;
            case Float -> shape == CoercionInputShape.Float || shape == CoercionInputShape.Integer;
            case Boolean -> shape == CoercionInputShape.Boolean;
            default -> true;
        };
    }
}
