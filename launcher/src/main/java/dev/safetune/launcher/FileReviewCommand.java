package dev.safetune.launcher;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./safetune admin files release|reject FILE_ID --reason R}: an operator's review of a file the training-data
 * screen held, through {@code POST /admin/files/{id}/screen/release|reject} with the admin key. The reason is required
 * and kept in the platform's append-only review log (docs/screening.md).
 */
final class FileReviewCommand {
    private final AdminCli.ClientSource clients;
    private final PrintStream out;
    private final PrintStream err;

    FileReviewCommand(AdminCli.ClientSource clients, PrintStream out, PrintStream err) {
        this.clients = clients;
        this.out = out;
        this.err = err;
    }

    Command command() {
        return Command.group(
                "files",
                "review files the training-data screen held (docs/screening.md); key: SAFETUNE_ADMIN_KEY",
                List.of(
                        Command.leaf(
                                "release",
                                "FILE_ID --reason R",
                                "let jobs start on a held file (a pin_policy reason still pins them); R is logged",
                                a -> review(a.positional().getFirst(), "release", a.required("--reason"))),
                        Command.leaf(
                                "reject",
                                "FILE_ID --reason R",
                                "refuse every job on a held file, for good; R is logged",
                                a -> review(a.positional().getFirst(), "reject", a.required("--reason")))));
    }

    private int review(String fileId, String action, String reason) {
        ApiClient.Response response =
                clients.client().post("/admin/files/" + fileId + "/screen/" + action, Map.of("reason", reason));
        JsonNode body = response.body();
        if (response.status() / 100 != 2) {
            err.println("safetune admin files " + action + ": HTTP " + response.status() + ": "
                    + body.path("detail").asString(body.toString()));
            return 1;
        }
        out.println("File " + fileId + ": "
                + body.path("review").path("previous_decision").asString() + " -> "
                + body.path("decision").asString() + " (" + action + ", logged with the reason given)");
        return 0;
    }
}
