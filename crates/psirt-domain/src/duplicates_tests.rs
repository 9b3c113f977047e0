use super::*;

fn doc(id: &str, title: &str, body: &str) -> DupDoc {
    DupDoc {
        id: id.into(),
        kind: DocKind::Report,
        title: title.into(),
        body: body.into(),
        product: Some("GitLab".into()),
        cwe_ids: vec![],
        reporter: None,
    }
}

fn corpus() -> Vec<DupDoc> {
    vec![
        DupDoc {
            kind: DocKind::Case,
            cwe_ids: vec![79],
            ..doc(
                "case-1",
                "Stored XSS in project wiki page title",
                "A wiki page whose title contains <img src=x onerror=alert(1)> executes \
                 JavaScript when another user opens the wiki sidebar. The title is rendered \
                 without escaping in the sidebar partial.",
            )
        },
        doc(
            "r-2",
            "SSRF via webhook URL to internal metadata service",
            "Project webhooks accept http://169.254.169.254/latest/meta-data/ as target. \
             Test hook requests are sent from the server, so an attacker can read cloud \
             instance credentials.",
        ),
        DupDoc {
            cwe_ids: vec![79],
            ..doc(
                "r-3",
                "Reflected XSS in search scope parameter",
                "The scope parameter of the global search page is reflected into an inline \
                 script. Visiting /search?scope=\"</script><script>alert(1)</script> runs code.",
            )
        },
        doc(
            "r-4",
            "Denial of service through deeply nested markdown lists",
            "Rendering a comment with ten thousand nested list markers pegs a Puma worker \
             at 100% CPU for minutes.",
        ),
    ]
}

#[test]
fn stop_words_are_sorted_for_binary_search() {
    assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn tokenizer_lowercases_drops_stop_words_and_plurals() {
    assert_eq!(
        tokenize("Hi team, I found an XSS in the Wiki pages! <img onerror=alert(1)>"),
        ["xss", "wiki", "page", "img", "onerror", "alert"]
    );
}

#[test]
fn paraphrased_report_finds_the_case_first() {
    let new = DupDoc {
        cwe_ids: vec![79],
        ..doc(
            "r-10",
            "XSS through wiki page title in sidebar",
            "Hello, I created a wiki page with the title \"><svg onload=alert(document.domain)> \
             and when a victim views the wiki, the sidebar renders the page title unescaped \
             and the JavaScript runs.",
        )
    };
    let found = find_duplicates(&new, &corpus(), &DupConfig::default());
    assert_eq!(found[0].id, "case-1");
    assert_eq!(found[0].kind, DocKind::Case);
    assert!(found[0].score >= 0.5, "{found:?}");
    assert!(found[0].reasons.contains(&DupReason::SameProduct));
    assert!(found[0]
        .reasons
        .contains(&DupReason::SameCwe { cwe_ids: vec![79] }));
    // The other XSS (different bug, same product and CWE) is at most a distant second.
    assert!(
        found.iter().all(|c| c.id != "r-3" || c.score < 0.4),
        "{found:?}"
    );
    // Nothing about SSRF or DoS.
    assert!(found.iter().all(|c| c.id != "r-2" && c.id != "r-4"));
}

#[test]
fn machine_flood_copy_is_caught_as_copied_text() {
    let original = &corpus()[1];
    let new = DupDoc {
        reporter: Some("bot-9000".into()),
        ..doc(
            "r-11",
            "SSRF via webhook URL to internal metadata service!!",
            "Project webhooks accept http://169.254.169.254/latest/meta-data/ as a target. \
             Test hook requests are sent from the server so an attacker can read the cloud \
             instance credentials. Please pay bounty.",
        )
    };
    let found = find_duplicates(&new, std::slice::from_ref(original), &DupConfig::default());
    assert_eq!(found.len(), 1);
    assert!(found[0].score >= 0.9, "{found:?}");
    let copied = found[0].reasons.iter().find_map(|r| match r {
        DupReason::CopiedText { similarity } => Some(*similarity),
        _ => None,
    });
    assert!(copied.is_some_and(|s| s >= 0.7), "{found:?}");
}

#[test]
fn unrelated_report_has_no_candidates_even_with_matching_metadata() {
    let new = DupDoc {
        cwe_ids: vec![79, 918, 400],
        reporter: Some("alice".into()),
        ..doc(
            "r-12",
            "Container registry tag deletion without permission",
            "A guest member can delete image tags in the container registry through the API \
             endpoint DELETE /registry/repositories/:id/tags/:tag.",
        )
    };
    assert!(find_duplicates(&new, &corpus(), &DupConfig::default()).is_empty());
}

#[test]
fn metadata_raises_but_ties_break_by_id_and_self_is_skipped() {
    let base = doc(
        "a",
        "Open redirect in OAuth login",
        "redirect_uri accepts any host",
    );
    let twin_b = DupDoc {
        id: "b".into(),
        ..base.clone()
    };
    let twin_c = DupDoc {
        id: "c".into(),
        ..base.clone()
    };
    let with_reporter = DupDoc {
        id: "d".into(),
        reporter: Some("mallory".into()),
        ..base.clone()
    };
    let new = DupDoc {
        reporter: Some("Mallory ".into()),
        ..base.clone()
    };
    let found = find_duplicates(
        &new,
        &[twin_c, base.clone(), twin_b, with_reporter],
        &DupConfig::default(),
    );
    let ids: Vec<_> = found.iter().map(|c| c.id.as_str()).collect();
    // Identical texts score 1.0 (capped); the same-reporter one does not exceed the cap,
    // so order is by id.
    assert_eq!(ids, ["b", "c", "d"]);
    assert!(found[2].reasons.contains(&DupReason::SameReporter));
}

#[test]
fn empty_texts_and_limits() {
    let new = doc("n", "", "");
    assert!(find_duplicates(&new, &corpus(), &DupConfig::default()).is_empty());
    let flood: Vec<DupDoc> = (0..20)
        .map(|i| {
            doc(
                &format!("f{i:02}"),
                "Open redirect in OAuth login",
                "any host",
            )
        })
        .collect();
    let new = doc("n", "Open redirect in OAuth login", "any host");
    let found = find_duplicates(&new, &flood, &DupConfig::default());
    assert_eq!(found.len(), 10);
    assert_eq!(found[0].id, "f00");
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["kind"], "report");
    assert_eq!(json["reasons"][0]["type"], "similar_wording");
}

#[test]
fn result_does_not_depend_on_input_order() {
    let new = doc(
        "n",
        "XSS in wiki sidebar title",
        "wiki page title with onerror payload runs in the sidebar; search scope also reflected",
    );
    let forward = find_duplicates(&new, &corpus(), &DupConfig::default());
    let mut reversed = corpus();
    reversed.reverse();
    assert_eq!(
        find_duplicates(&new, &reversed, &DupConfig::default()),
        forward
    );
    assert!(!forward.is_empty());
}
