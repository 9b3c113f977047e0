//! Products, product versions and SBOM imports.

use psirt_domain::{ProductDraft, ProductVersionDraft, Role};
use psirt_store::{ComponentHash, NewComponent, PageRequest, SbomImport, Store, StoreError};
use time::macros::date;

use super::{admin, exec, run, user};

both_backends!(
    products_and_versions,
    sbom_import_replaces_and_records_diff,
    sbom_import_is_atomic,
    dependency_paths_follow_the_edges_from_the_product,
);

fn draft(name: &str, vendor: &str) -> ProductDraft {
    ProductDraft {
        name: name.into(),
        vendor: vendor.into(),
        cpe: Some("cpe:2.3:a:acme:router_os".into()),
        purl: None,
        owner_team: "edge".into(),
        description: String::new(),
    }
}

fn version(v: &str) -> ProductVersionDraft {
    ProductVersionDraft {
        version: v.into(),
        released_on: Some(date!(2026 - 03 - 01)),
        support_ends_on: Some(date!(2028 - 03 - 01)),
    }
}

fn component(purl: &str, version: &str) -> NewComponent {
    NewComponent {
        key: purl.into(),
        purl: Some(purl.into()),
        name: purl
            .rsplit('/')
            .next()
            .unwrap_or(purl)
            .split('@')
            .next()
            .unwrap_or("")
            .into(),
        version: version.into(),
        cpe: None,
        hashes: vec![ComponentHash {
            alg: "SHA-256".into(),
            value: "ab".repeat(32),
        }],
        licenses: vec!["MIT".into()],
    }
}

fn sbom(components: Vec<NewComponent>, deps: &[(&str, &str)]) -> SbomImport {
    SbomImport {
        format: "cyclonedx".into(),
        spec_version: "1.6".into(),
        sha256: "00".repeat(32),
        components,
        dependencies: deps
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        allow_empty: false,
    }
}

async fn actions(store: &Store, entity: &str, id: i64) -> Vec<String> {
    store
        .audit_trail(entity, &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn products_and_versions(store: Store) {
    let (ana, _) = user(&store, "ana", Role::Analyst).await;
    let p = store
        .create_product(&ana, draft(" Router OS ", "Acme"))
        .await
        .unwrap();
    assert_eq!(p.name, "Router OS");
    // Vendor and name are unique regardless of case.
    let dup = store.create_product(&ana, draft("router os", "ACME")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let bad = store.create_product(&ana, draft("", "Acme")).await;
    assert!(matches!(bad, Err(StoreError::Domain(_))));
    let other = store
        .create_product(&ana, draft("Switch", "Acme"))
        .await
        .unwrap();

    let mut d = draft("Router OS", "Acme");
    d.owner_team = "platform".into();
    let p = store.update_product(&ana, p.id, d).await.unwrap();
    assert_eq!(p.owner_team, "platform");
    assert_eq!(
        actions(&store, "product", p.id).await,
        ["product.create", "product.update"]
    );

    let list = store
        .products(Some("rout"), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(list.items.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id]);
    let all = store.products(None, &PageRequest::default()).await.unwrap();
    assert_eq!(
        all.items.iter().map(|p| p.id).collect::<Vec<_>>(),
        [other.id, p.id]
    );

    let v1 = store
        .create_product_version(&ana, p.id, version("4.1"))
        .await
        .unwrap();
    let v2 = store
        .create_product_version(&ana, p.id, version("4.2"))
        .await
        .unwrap();
    assert_eq!(v1.released_on, Some(date!(2026 - 03 - 01)));
    let dup = store
        .create_product_version(&ana, p.id, version("4.1"))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
    let missing = store.create_product_version(&ana, 9999, version("1")).await;
    assert!(matches!(missing, Err(StoreError::NotFound("product"))));
    let mut changed = version("4.2");
    changed.support_ends_on = Some(date!(2027 - 01 - 01));
    let v2 = store
        .update_product_version(&ana, v2.id, changed)
        .await
        .unwrap();
    assert_eq!(v2.support_ends_on, Some(date!(2027 - 01 - 01)));
    let versions = store.product_versions(p.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["4.1", "4.2"]
    );
    assert_eq!(
        store
            .find_product_version("router os", "4.2")
            .await
            .unwrap()
            .id,
        v2.id
    );
    assert_eq!(
        store
            .find_product_version(&p.id.to_string(), "4.1")
            .await
            .unwrap()
            .id,
        v1.id
    );
    // Names are stored trimmed, and looked up so.
    assert_eq!(
        store
            .find_product_version(" Router OS\n", "4.2")
            .await
            .map(|v| v.id)
            .ok(),
        Some(v2.id)
    );
    assert!(matches!(
        store.find_product_version("router os", "9").await,
        Err(StoreError::NotFound(_))
    ));
    // A number names a product by id only: a product whose name is that number is not also meant. The version is
    // read without the white space storing trims.
    let numbered = store
        .create_product(&ana, draft(&p.id.to_string(), "Other"))
        .await
        .unwrap();
    store
        .create_product_version(&ana, numbered.id, version("4.1"))
        .await
        .unwrap();
    for named in [p.id.to_string(), format!(" {} ", p.id)] {
        let found = store.find_product_version(&named, " 4.1\r").await;
        assert_eq!(found.map(|v| v.id).ok(), Some(v1.id), "{named:?}");
    }
    assert_eq!(
        actions(&store, "product_version", v2.id).await,
        ["product_version.create", "product_version.update"]
    );
}

async fn sbom_import_replaces_and_records_diff(store: Store) {
    let ana = admin();
    let p = store
        .create_product(&ana, draft("Router OS", "Acme"))
        .await
        .unwrap();
    let v = store
        .create_product_version(&ana, p.id, version("4.2"))
        .await
        .unwrap();
    let a = "pkg:npm/left-pad@1.3.0";
    let b = "pkg:cargo/serde@1.0.200";
    let c = "pkg:pypi/jinja2@3.1.2";
    let mut calls = Vec::new();
    let first = store
        .import_sbom(
            &ana,
            v.id,
            sbom(
                vec![
                    component(a, "1.3.0"),
                    component(b, "1.0.200"),
                    component(a, "1.3.0"),
                ],
                &[(a, b), (a, "pkg:npm/not-in-sbom@1")],
            ),
            &mut |n| calls.push(n),
        )
        .await
        .unwrap();
    assert_eq!(first.product_version.component_count, 2);
    assert_eq!(
        first.product_version.sbom_format.as_deref(),
        Some("cyclonedx")
    );
    assert_eq!(first.diff.added, [b, a]);
    assert_eq!(calls.last(), Some(&2));
    let comps = store
        .components(v.id, None, &PageRequest::default())
        .await
        .unwrap();
    let kept_id = comps.items.iter().find(|c| c.key == b).unwrap().id;
    // Edges to components outside the SBOM are dropped.
    assert_eq!(
        store.component_dependencies(v.id).await.unwrap(),
        [(a.to_string(), b.to_string())]
    );

    // Second import: a removed, b unchanged, c added, and one changed.
    let mut b2 = component(b, "1.0.200");
    b2.licenses = vec!["MIT".into()];
    let mut c_changed = component(c, "3.1.2");
    let second = store
        .import_sbom(
            &ana,
            v.id,
            sbom(vec![b2.clone(), c_changed.clone()], &[]),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(second.diff.added, [c]);
    assert_eq!(second.diff.removed, [a]);
    assert!(second.diff.changed.is_empty());
    assert_eq!(second.diff.unchanged, 1);
    c_changed.version = "3.1.3".into();
    let third = store
        .import_sbom(&ana, v.id, sbom(vec![b2, c_changed], &[]), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(third.diff.changed, [c]);
    let comps = store
        .components(v.id, None, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(comps.items.len(), 2);
    // A component that stays keeps its row.
    assert_eq!(comps.items.iter().find(|c| c.key == b).unwrap().id, kept_id);
    let filtered = store
        .components(v.id, Some("JINJA"), &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(filtered.items.len(), 1);
    assert_eq!(filtered.items[0].version, "3.1.3");
    // An SBOM listing no components does not empty the version unless asked to (checked with the version locked).
    let refused = store
        .import_sbom(&ana, v.id, sbom(vec![], &[]), &mut |_| {})
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Domain(psirt_domain::DomainError::Invalid(e))) if e[0].field == "components"),
        "{refused:?}"
    );
    assert_eq!(
        store.product_version(v.id).await.unwrap().component_count,
        2
    );

    let trail = store
        .audit_trail("product_version", &v.id.to_string())
        .await
        .unwrap();
    let imports: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "product_version.sbom_import")
        .collect();
    assert_eq!(imports.len(), 3);
    let after = imports[1].after.as_ref().unwrap();
    assert_eq!(after["removed"], serde_json::json!([a]));
    assert_eq!(after["added"], serde_json::json!([c]));
    assert_eq!(
        imports[2].after.as_ref().unwrap()["changed"],
        serde_json::json!([c])
    );

    // Pagination over components by key.
    let many: Vec<_> = (0..7)
        .map(|i| component(&format!("pkg:npm/p{i}@1"), "1"))
        .collect();
    store
        .import_sbom(&ana, v.id, sbom(many, &[]), &mut |_| {})
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut page = PageRequest {
        cursor: None,
        limit: Some(3),
    };
    loop {
        let p = store.components(v.id, None, &page).await.unwrap();
        seen.extend(p.items.into_iter().map(|c| c.key));
        match p.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..7)
            .map(|i| format!("pkg:npm/p{i}@1"))
            .collect::<Vec<_>>()
    );

    // An upgrade shows as removed + added, paired as a version change.
    let mut upgraded: Vec<_> = (1..7)
        .map(|i| component(&format!("pkg:npm/p{i}@1"), "1"))
        .collect();
    upgraded.push(component("pkg:npm/p0@2", "2"));
    let up = store
        .import_sbom(&ana, v.id, sbom(upgraded, &[]), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (up.diff.added.as_slice(), up.diff.removed.as_slice()),
        (
            &["pkg:npm/p0@2".to_string()][..],
            &["pkg:npm/p0@1".to_string()][..]
        )
    );
    assert_eq!(
        up.diff.version_changes,
        [psirt_store::VersionChange {
            package: "pkg:npm/p0".into(),
            from: "1".into(),
            to: "2".into()
        }]
    );

    // Only the edges change: the components are as they were, and the diff and the audit event say which edges.
    let (p1, p2, p3) = ("pkg:npm/p1@1", "pkg:npm/p2@1", "pkg:npm/p3@1");
    let same = || -> Vec<_> {
        (1..7)
            .map(|i| component(&format!("pkg:npm/p{i}@1"), "1"))
            .chain([component("pkg:npm/p0@2", "2")])
            .collect()
    };
    let wired = store
        .import_sbom(&ana, v.id, sbom(same(), &[("", p1), (p1, p2)]), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (
            wired.diff.dependencies_added,
            wired.diff.dependencies_removed
        ),
        (2, 0)
    );
    let rewired = store
        .import_sbom(&ana, v.id, sbom(same(), &[("", p1), (p1, p3)]), &mut |_| {})
        .await
        .unwrap();
    assert!(rewired.diff.added.is_empty() && rewired.diff.removed.is_empty());
    assert!(rewired.diff.changed.is_empty());
    assert_eq!(
        (
            rewired.diff.dependencies_added,
            rewired.diff.dependencies_removed
        ),
        (1, 1)
    );
    let trail = store
        .audit_trail("product_version", &v.id.to_string())
        .await
        .unwrap();
    let last = trail
        .iter()
        .rev()
        .find(|e| e.action == "product_version.sbom_import")
        .and_then(|e| e.after.as_ref())
        .unwrap();
    assert_eq!(
        (&last["dependencies_added"], &last["dependencies_removed"]),
        (
            &serde_json::json!([format!("{p1} → {p3}")]),
            &serde_json::json!([format!("{p1} → {p2}")])
        )
    );
    let first_wiring = trail
        .iter()
        .rev()
        .filter(|e| e.action == "product_version.sbom_import")
        .nth(1)
        .and_then(|e| e.after.as_ref())
        .unwrap();
    assert_eq!(
        first_wiring["dependencies_added"],
        serde_json::json!([format!("(product) → {p1}"), format!("{p1} → {p2}")])
    );
}

async fn sbom_import_is_atomic(store: Store) {
    let ana = admin();
    let p = store
        .create_product(&ana, draft("Router OS", "Acme"))
        .await
        .unwrap();
    let v = store
        .create_product_version(&ana, p.id, version("4.2"))
        .await
        .unwrap();
    let keep = "pkg:npm/left-pad@1.3.0";
    store
        .import_sbom(
            &ana,
            v.id,
            sbom(vec![component(keep, "1.3.0")], &[]),
            &mut |_| {},
        )
        .await
        .unwrap();
    // The database refuses one row of the third batch: nothing of the import stays.
    let trigger = if store.backend() == "sqlite" {
        "CREATE TRIGGER boom BEFORE INSERT ON components WHEN NEW.name = 'boom' \
         BEGIN SELECT RAISE(ABORT, 'boom'); END;"
    } else {
        "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.name = 'boom' THEN \
         RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER boom BEFORE INSERT ON components FOR EACH ROW EXECUTE FUNCTION boom();"
    };
    exec(&store, trigger).await;
    let mut bad: Vec<NewComponent> = (0..2500)
        .map(|i| component(&format!("pkg:npm/n{i:04}@1"), "1"))
        .collect();
    bad[2400].name = "boom".into();
    let res = store
        .import_sbom(&ana, v.id, sbom(bad, &[]), &mut |_| {})
        .await;
    assert!(matches!(res, Err(StoreError::Database(_))), "{res:?}");
    let comps = store
        .components(v.id, None, &PageRequest::default())
        .await
        .unwrap();
    assert_eq!(
        comps
            .items
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>(),
        [keep]
    );
    assert_eq!(
        store.product_version(v.id).await.unwrap().component_count,
        1
    );
    let imports = actions(&store, "product_version", v.id).await;
    assert_eq!(
        imports
            .iter()
            .filter(|a| *a == "product_version.sbom_import")
            .count(),
        1
    );

    // Into a version created with it (`psirt sbom import --create-version`): a failed import leaves no version.
    let mut bad_again: Vec<NewComponent> = (0..2500)
        .map(|i| component(&format!("pkg:npm/n{i:04}@1"), "1"))
        .collect();
    bad_again[2400].name = "boom".into();
    let res = store
        .import_sbom_into_new_version(
            &ana,
            p.id,
            version("5.0"),
            sbom(bad_again, &[]),
            &mut |_| {},
        )
        .await;
    assert!(matches!(res, Err(StoreError::Database(_))), "{res:?}");
    let versions = |store: Store| async move {
        store
            .product_versions(p.id)
            .await
            .unwrap()
            .into_iter()
            .map(|v| v.version)
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(store.clone()).await, ["4.2"]);
    let done = store
        .import_sbom_into_new_version(
            &ana,
            p.id,
            version("5.1"),
            sbom(vec![component(keep, "1.3.0")], &[]),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        (
            done.product_version.version.as_str(),
            done.product_version.component_count
        ),
        ("5.1", 1)
    );
    assert_eq!(versions(store.clone()).await, ["4.2", "5.1"]);
    let created = actions(&store, "product_version", done.product_version.id).await;
    assert!(
        created.contains(&"product_version.create".to_owned()),
        "{created:?}"
    );

    // Input the store refuses before touching the database.
    let mut empty_key = component("pkg:npm/x@1", "1");
    empty_key.key = " ".into();
    let res = store
        .import_sbom(&ana, v.id, sbom(vec![empty_key], &[]), &mut |_| {})
        .await;
    assert!(matches!(res, Err(StoreError::Domain(_))), "{res:?}");
    // Keys are limited in bytes: 600 characters, 1,210 bytes, refused...
    let long = format!("pkg:npm/{}@1", "é".repeat(600));
    let res = store
        .import_sbom(
            &ana,
            v.id,
            sbom(vec![component(&long, "1")], &[]),
            &mut |_| {},
        )
        .await;
    assert!(matches!(res, Err(StoreError::Domain(_))), "{res:?}");
    // ... so that two keys of the longest kept, and the edge between them, fit every index (PostgreSQL's b-tree
    // entries end near 2,700 bytes; before, two keys of 2,000 characters made a 500). Incompressible keys: the
    // database compresses long index values, and repeated letters would shrink to nothing.
    let key = |seed: u64| {
        let mut x = seed;
        let body: String = (0..1_000 - "pkg:npm/@1".len())
            .map(|_| {
                // xorshift64: an unpredictable letter or digit every byte.
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize])
            })
            .collect();
        format!("pkg:npm/{body}@1")
    };
    let (a, b) = (key(1), key(2));
    assert_eq!(a.len(), 1_000);
    store
        .import_sbom(
            &ana,
            v.id,
            sbom(vec![component(&a, "1"), component(&b, "1")], &[(&a, &b)]),
            &mut |_| {},
        )
        .await
        .unwrap();
    let missing = store
        .import_sbom(&ana, 9999, sbom(vec![], &[]), &mut |_| {})
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
}

/// How components got into the product: the shortest chain of stored edges from a direct dependency of the product
/// (an edge from `""`); none for a component the edges do not connect to it, and none at all for an SBOM without
/// edges from the product.
async fn dependency_paths_follow_the_edges_from_the_product(store: Store) {
    let ana = admin();
    let p = store
        .create_product(&ana, draft("Portal", "Acme"))
        .await
        .unwrap();
    let (flask, jinja, safe, pad) = (
        "pkg:pypi/flask@2.0.0",
        "pkg:pypi/jinja2@3.0.0",
        "pkg:pypi/markupsafe@2.0.0",
        "pkg:npm/left-pad@1.3.0",
    );
    let components = || {
        vec![
            component(flask, "2.0.0"),
            component(jinja, "3.0.0"),
            component(safe, "2.0.0"),
            component(pad, "1.3.0"),
        ]
    };
    let ids = |store: Store, pv: i64| async move {
        let inputs = store.component_inputs_of(pv).await.unwrap();
        let id = |key: &str| inputs.iter().find(|(_, k)| k == key).unwrap().0;
        (id(flask), id(jinja), id(safe), id(pad))
    };
    let with_product = store
        .create_product_version(&ana, p.id, version("1.0"))
        .await
        .unwrap();
    let edges = [
        ("", flask),
        (flask, jinja),
        (jinja, safe),
        // A shortcut from flask itself, and an edge among components the product never reaches.
        (flask, safe),
        (pad, safe),
    ];
    store
        .import_sbom(
            &ana,
            with_product.id,
            sbom(components(), &edges),
            &mut |_| {},
        )
        .await
        .unwrap();
    let (f, j, m, l) = ids(store.clone(), with_product.id).await;
    let paths = store
        .dependency_paths(with_product.id, &[f, j, m, l])
        .await
        .unwrap();
    assert_eq!(paths[&f], vec![flask]);
    assert_eq!(paths[&j], vec![flask, jinja]);
    assert_eq!(paths[&m], vec![flask, safe]);
    assert!(!paths.contains_key(&l), "{paths:?}");
    // Another version's component is not this version's.
    let without_product = store
        .create_product_version(&ana, p.id, version("2.0"))
        .await
        .unwrap();
    store
        .import_sbom(
            &ana,
            without_product.id,
            sbom(components(), &[(flask, jinja), (jinja, safe)]),
            &mut |_| {},
        )
        .await
        .unwrap();
    let (f2, j2, m2, _) = ids(store.clone(), without_product.id).await;
    assert!(store
        .dependency_paths(with_product.id, &[f2, j2, m2])
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .dependency_paths(without_product.id, &[f2, j2, m2])
        .await
        .unwrap()
        .is_empty());
}
