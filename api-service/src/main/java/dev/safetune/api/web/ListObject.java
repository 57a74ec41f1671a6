package dev.safetune.api.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.function.Function;

/** OpenAI's list envelope: {@code {"object":"list","data":[…],"has_more"}}; unpaged lists leave out has_more. */
public record ListObject<T>(
        String object,
        List<T> data,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean hasMore) {

    public static <T> ListObject<T> of(List<T> data) {
        return new ListObject<>("list", List.copyOf(data), null);
    }

    /**
     * A page from rows fetched with one row more than {@code limit} (see {@link PageLimit#fetchSize()}): the extra row
     * only tells whether there is a next page.
     */
    public static <R, T> ListObject<T> page(List<R> rows, PageLimit limit, Function<R, T> toObject) {
        boolean hasMore = rows.size() > limit.value();
        List<T> data = rows.stream().limit(limit.value()).map(toObject).toList();
        return new ListObject<>("list", data, hasMore);
    }
}
