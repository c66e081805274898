package org.helix.support;

import io.restassured.RestAssured;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Prometheus scrape at /q/metrics, read as Prometheus would. */
public final class Scrape {

    private Scrape() {
    }

    public static String scrape() {
        return RestAssured.given().baseUri(Api.baseUri()).get("/q/metrics").then().statusCode(200).extract().asString();
    }

    public static double delta(String before, String after, String series) {
        return value(after, series) - value(before, series);
    }

    /** A series' value; a series not exported yet counts as 0, as Prometheus' increase() would treat it. */
    public static double value(String scrape, String series) {
        String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
        String labels = series.contains("{") ? series.substring(series.indexOf('{') + 1, series.length() - 1) : "";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(scrape);
        double sum = 0;
        while (m.find()) {
            if (m.group(1) == null || m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}
