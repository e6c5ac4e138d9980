//! `schema.graphql` at the repository root is exactly what `family-plan schema` prints.
#[test]
fn committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let current = api::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date: run `cargo run -p api -- schema > schema.graphql` and commit it"
    );
}

#[tokio::test]
async fn schema_command_prints_the_sdl() {
    use clap::Parser;
    let cli = api::cli::Cli::try_parse_from(["family-plan", "schema"]).unwrap();
    let mut out = Vec::new();
    api::cli::run(cli, &mut out).await.unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert_eq!(printed, api::graphql::sdl());
    for needle in [
        "interface Node",
        "node(id: ID!): Node",
        "type UserError",
        "input CreateFamilyInput",
    ] {
        assert!(printed.contains(needle), "schema lacks {needle}");
    }
}
