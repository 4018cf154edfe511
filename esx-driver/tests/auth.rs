//! Credentials: libvirt's auth.conf format and lookup, the order in which auth files are found,
//! and the order user name and password sources are tried in. Every test injects its own
//! environment, files and prompt.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use esx_driver::auth::{
    AuthConfig, AuthError, AuthFileOrigin, CredentialRequest, CredentialSources, PasswordSource,
    Secret, UserSource,
};
use esx_driver::driver::Report;
use esx_driver::uri::{ConnectUri, Scheme};
use pretty_assertions::assert_eq;

/// An auth.conf in the shape libvirt documents: credential sets, per-host and default mappings.
const AUTH_CONF: &str = "\
# lab credentials
[credentials-lab]
username=labadmin
password=lab pass=with spaces 

; production
[credentials-prod]
username=root
password=pr0d

[credentials-nouser]
password=only-a-password

[credentials-nopassword]
username=ops

[credentials-vc]
username=administrator@vsphere.local
password=vc-secret

[auth-esx-esx1.example.com]
credentials=prod

[auth-esx-esx2.example.com]
credentials=nouser

[auth-esx-esx3.example.com]
credentials=nopassword

[auth-esx-fd00::5]
credentials=prod

[auth-vpx-vc.example.com]
credentials=vc

[auth-esx-vc.example.com]
credentials=prod

[auth-gsx-default]
credentials=nouser

[auth-esx-default]
credentials=lab
";

fn config() -> AuthConfig {
    AuthConfig::parse("/cfg/auth.conf", AUTH_CONF).unwrap()
}

#[test]
fn lookup_follows_libvirt_host_then_default() {
    let config = config();
    // (service, host, key, value)
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, Option<&str>)] = &[
        ("esx", "esx1.example.com", "username", Some("root")),
        ("esx", "esx1.example.com", "password", Some("pr0d")),
        ("esx", "esx2.example.com", "username", None),
        ("esx", "esx2.example.com", "password", Some("only-a-password")),
        ("esx", "esx3.example.com", "password", None),
        ("esx", "fd00::5", "password", Some("pr0d")),
        ("esx", "ESX1.example.com", "username", Some("labadmin")),
        ("esx", "other.example.com", "username", Some("labadmin")),
        ("esx", "other.example.com", "password", Some("lab pass=with spaces ")),
        ("esx", "other.example.com", "realm", None),
        ("vpx", "vc.example.com", "username", Some("administrator@vsphere.local")),
        ("vpx", "other.example.com", "username", None),
        ("gsx", "gsx1", "password", Some("only-a-password")),
        ("hyperv", "esx1.example.com", "password", None),
    ];
    for (service, host, key, expected) in cases {
        assert_eq!(
            config.lookup(service, host, key).unwrap(),
            *expected,
            "{service} {host} {key}"
        );
    }
}

#[test]
fn gsx_and_vpx_try_their_own_groups_before_esx_ones() {
    let config = config();
    // (services, host, chosen auth group, credentials group)
    #[rustfmt::skip]
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (&["vpx", "esx"], "vc.example.com", "auth-vpx-vc.example.com", "credentials-vc"),
        (&["esx"], "vc.example.com", "auth-esx-vc.example.com", "credentials-prod"),
        (&["vpx", "esx"], "esx1.example.com", "auth-esx-esx1.example.com", "credentials-prod"),
        (&["vpx", "esx"], "vc2.example.com", "auth-esx-default", "credentials-lab"),
        (&["gsx", "esx"], "esx1.example.com", "auth-esx-esx1.example.com", "credentials-prod"),
        (&["gsx", "esx"], "gsx1", "auth-gsx-default", "credentials-nouser"),
    ];
    for (services, host, auth_group, credentials_group) in cases {
        let set = config.credentials_for(services, host).unwrap().unwrap();
        assert_eq!(
            (set.auth_group(), set.credentials_group()),
            (*auth_group, *credentials_group),
            "{services:?} {host}"
        );
        assert_eq!(set.path(), Path::new("/cfg/auth.conf"));
    }
    let empty = AuthConfig::parse("/cfg/auth.conf", "[credentials-x]\npassword=y\n").unwrap();
    assert!(empty.credentials_for(&["esx"], "h").unwrap().is_none());
}

#[test]
fn broken_references_are_errors_with_libvirts_messages() {
    let config = AuthConfig::parse(
        "/cfg/auth.conf",
        "[auth-esx-a]\ncredentials=missing\n[auth-esx-b]\nusername=x\n",
    )
    .unwrap();
    assert_eq!(
        config.lookup("esx", "a", "password").unwrap_err().to_string(),
        "Missing group 'credentials-missing' referenced from group 'auth-esx-a' in '/cfg/auth.conf'"
    );
    assert_eq!(
        config
            .lookup("esx", "b", "password")
            .unwrap_err()
            .to_string(),
        "Missing item 'credentials' in group 'auth-esx-b' in '/cfg/auth.conf'"
    );
    assert_eq!(config.lookup("esx", "c", "password").unwrap(), None);
}

#[test]
fn the_file_format_is_libvirts() {
    let config = AuthConfig::parse(
        "x",
        "\u{feff}# comment\r\n; comment\r\n\r\n \t \r\n[credentials-a]\r\npassword= p=w d \r\nusername=\r\n[]\r\n[auth-esx-h]   \r\ncredentials=a",
    )
    .unwrap();
    assert_eq!(
        config.group_names().collect::<Vec<_>>(),
        ["", "auth-esx-h", "credentials-a"]
    );
    assert_eq!(
        config.lookup("esx", "h", "password").unwrap(),
        Some(" p=w d ")
    );
    assert_eq!(config.lookup("esx", "h", "username").unwrap(), Some(""));

    #[rustfmt::skip]
    let bad: &[(&str, &str)] = &[
        ("[credentials-x\nusername=a\n", "auth.conf:1: cannot find end of group name, expected ']'"),
        ("# c\nusername=a\n", "auth.conf:2: value found before first group"),
        ("[g]\nuser name=a\n", "auth.conf:2: expected '=' after the key 'user' (a key is letters and digits only, with no space before '=')"),
        ("[g]\n\nusername = a\n", "auth.conf:3: expected '=' after the key 'username' (a key is letters and digits only, with no space before '=')"),
        ("[g]\nuser_name=a\n", "auth.conf:2: expected '=' after the key 'user' (a key is letters and digits only, with no space before '=')"),
        ("[g]\nusername\n", "auth.conf:2: expected '=' after the key 'username' (a key is letters and digits only, with no space before '=')"),
        ("[g]\n  password=secret\n", "auth.conf:2: expected newline: a line must not start with white space"),
        ("[g]\n=secret\n", "auth.conf:2: unexpected statement: a line is a [group], a key=value, a '#' or ';' comment, or blank"),
        ("[g]\n-x=1\n", "auth.conf:2: unexpected statement: a line is a [group], a key=value, a '#' or ';' comment, or blank"),
        ("[g] password=secret\n", "auth.conf:1: unexpected text after the group name '[g]' (a group name is alone on its line)"),
        ("[g]\n[h]\n[g]\n", "auth.conf:3: duplicate group '[g]'"),
        ("[g]\na=1\nb=2\na=3\n", "auth.conf:4: duplicate key 'a' in group '[g]'"),
    ];
    for (text, message) in bad {
        let error = AuthConfig::parse("auth.conf", text).unwrap_err();
        assert_eq!(error.to_string(), *message, "{text:?}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
}

#[test]
fn debug_output_never_shows_values() {
    let config = config();
    let set = config
        .credentials_for(&["esx"], "esx1.example.com")
        .unwrap()
        .unwrap();
    let shown = format!(
        "{config:?} {set:?} {:?} {}",
        set.password(),
        set.password().unwrap()
    );
    assert!(
        !shown.contains("pr0d") && !shown.contains("lab pass"),
        "{shown}"
    );
    assert!(shown.contains("credentials-prod"), "{shown}");
    assert_eq!(set.password().unwrap().expose(), "pr0d");
    assert_eq!(
        format!("{:?} {}", Secret::new("x"), Secret::new("x")),
        "Secret(***) ***"
    );
}

/// A scratch home with files to find.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn env(&self, vars: &[(&str, &str)]) -> Vec<(String, String)> {
        let root = self.dir.path().display().to_string();
        vars.iter()
            .map(|(k, v)| (k.to_string(), v.replace("$DIR", &root)))
            .collect()
    }

    /// `path` with the scratch directory written as `$DIR`.
    fn show(&self, path: &Path) -> String {
        path.display()
            .to_string()
            .replace(&self.dir.path().display().to_string(), "$DIR")
    }
}

fn request(uri: &str) -> CredentialRequest {
    CredentialRequest::for_uri(&ConnectUri::parse(uri).unwrap())
}

#[test]
fn auth_files_are_found_in_libvirts_order() {
    let s = Scratch::new();
    s.write("env.conf", "");
    s.write("param.conf", "");
    s.write("xdg/libvirt/auth.conf", "");
    s.write("home/.config/libvirt/auth.conf", "");
    s.write("etc/libvirt/auth.conf", "");
    let with_param = request(&format!(
        "esx://h/?authfile={}",
        s.path("param.conf").display()
    ));
    let without = request("esx://h/");
    let all = &[
        ("LIBVIRT_AUTH_FILE", "$DIR/env.conf"),
        ("XDG_CONFIG_HOME", "$DIR/xdg"),
        ("HOME", "$DIR/home"),
    ];
    // (environment, request, chosen file, origin)
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        &'a CredentialRequest,
        &'a str,
        AuthFileOrigin,
    );
    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        (all, &with_param, "$DIR/env.conf", AuthFileOrigin::Environment),
        (&all[1..], &with_param, "$DIR/param.conf", AuthFileOrigin::UriParameter),
        (&all[1..], &without, "$DIR/xdg/libvirt/auth.conf", AuthFileOrigin::UserConfig),
        (&all[2..], &without, "$DIR/home/.config/libvirt/auth.conf", AuthFileOrigin::UserConfig),
        (&[("LIBVIRT_AUTH_FILE", ""), ("XDG_CONFIG_HOME", ""), ("HOME", "$DIR/home")], &without, "$DIR/home/.config/libvirt/auth.conf", AuthFileOrigin::UserConfig),
        (&[("XDG_CONFIG_HOME", "$DIR/nowhere"), ("HOME", "$DIR/home")], &without, "$DIR/etc/libvirt/auth.conf", AuthFileOrigin::System),
        (&[], &without, "$DIR/etc/libvirt/auth.conf", AuthFileOrigin::System),
    ];
    for (env, request, expected, origin) in cases {
        let sources = CredentialSources::isolated()
            .with_env_vars(s.env(env))
            .with_system_auth_file(s.path("etc/libvirt/auth.conf"));
        let found = sources.locate_auth_file(request).file.unwrap();
        assert_eq!(
            (s.show(&found.0), found.1),
            (expected.to_owned(), origin),
            "{env:?}"
        );
    }

    // Candidates that are not there are passed over and reported.
    let sources = CredentialSources::isolated()
        .with_env_vars(s.env(&[("XDG_CONFIG_HOME", "$DIR/nowhere")]))
        .with_system_auth_file(s.path("etc/none.conf"));
    let search = sources.locate_auth_file(&without);
    assert_eq!(search.file, None);
    let skipped: Vec<_> = search
        .skipped
        .iter()
        .map(|(path, why)| format!("{}: {why}", s.show(path)))
        .collect();
    assert_eq!(
        skipped,
        [
            "$DIR/nowhere/libvirt/auth.conf: not found",
            "$DIR/etc/none.conf: not found"
        ]
    );
}

/// A prompt that records what it was asked and answers from a script.
#[derive(Clone, Default)]
struct ScriptedPrompt {
    asked: Arc<Mutex<Vec<String>>>,
    answer: Option<&'static str>,
}

impl ScriptedPrompt {
    fn answering(answer: &'static str) -> ScriptedPrompt {
        ScriptedPrompt {
            answer: Some(answer),
            ..ScriptedPrompt::default()
        }
    }

    fn install(&self, sources: CredentialSources) -> CredentialSources {
        let me = self.clone();
        sources.with_prompt(move |prompt: &str| {
            me.asked.lock().unwrap().push(prompt.to_owned());
            Ok(me.answer.map(Secret::new))
        })
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

#[test]
fn user_and_password_sources_are_tried_in_order() {
    let s = Scratch::new();
    let conf = s.write("auth.conf", AUTH_CONF);
    let conf_env = [("LIBVIRT_AUTH_FILE", conf.to_str().unwrap())];
    let env_pw = [("ESX_PASSWORD", "from-env")];
    let both = [conf_env[0], env_pw[0]];
    let none: [(&str, &str); 0] = [];
    // (uri, environment, prompt answer, user, user source, password, password source, prompt shown)
    type Case<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        Option<&'static str>,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
    );
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("esx://esx1.example.com/", &both, None, "root", "auth.conf", "pr0d", "auth.conf", None),
        ("esx://admin@esx1.example.com/", &both, None, "admin", "uri", "pr0d", "auth.conf", None),
        ("esx://esx2.example.com/", &both, None, "root", "default", "only-a-password", "auth.conf", None),
        ("esx://other.example.com/", &both, None, "labadmin", "auth.conf", "lab pass=with spaces ", "auth.conf", None),
        ("esx://esx3.example.com/", &both, None, "ops", "auth.conf", "from-env", "env", None),
        ("esx://esx3.example.com/", &conf_env, Some("typed"), "ops", "auth.conf", "typed", "prompt", Some("Enter ops's password for esx3.example.com: ")),
        ("esx://me:in-uri@esx1.example.com/", &both, None, "me", "uri", "in-uri", "uri", None),
        ("esx://[fd00::5]/", &conf_env, None, "root", "auth.conf", "pr0d", "auth.conf", None),
        ("gsx://gsx1/", &both, None, "root", "default", "only-a-password", "auth.conf", None),
        ("vpx://vc.example.com/dc/h", &both, None, "administrator@vsphere.local", "auth.conf", "vc-secret", "auth.conf", None),
        ("vpx://vc9/dc/h", &env_pw, None, "administrator", "default", "from-env", "env", None),
        ("vpx://vc9/dc/h", &none, Some(""), "administrator", "default", "", "prompt", Some("Enter administrator's password for vc9: ")),
        ("esx://esx9/", &[("ESX_PASSWORD", "")], None, "root", "default", "", "env", None),
    ];
    for (uri, env, answer, user, user_source, password, password_source, shown) in cases {
        let prompt = ScriptedPrompt {
            answer: *answer,
            ..ScriptedPrompt::default()
        };
        let sources =
            prompt.install(CredentialSources::isolated().with_env_vars(env.iter().copied()));
        let credentials = sources
            .resolve(&request(uri))
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        let user_from = match credentials.user_source {
            UserSource::Uri => "uri",
            UserSource::AuthFile(ref path) => {
                assert_eq!(path, &conf);
                "auth.conf"
            }
            UserSource::Default => "default",
        };
        let password_from = match credentials.password_source {
            PasswordSource::Uri => "uri",
            PasswordSource::AuthFile(ref path) => {
                assert_eq!(path, &conf);
                "auth.conf"
            }
            PasswordSource::Environment => "env",
            PasswordSource::Prompt => "prompt",
        };
        assert_eq!(
            (
                credentials.user.as_str(),
                user_from,
                credentials.password.expose(),
                password_from
            ),
            (*user, *user_source, *password, *password_source),
            "{uri}"
        );
        assert_eq!(
            prompt.asked(),
            shown.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{uri}"
        );
        assert!(
            !format!("{credentials:?}").contains(password) || password.is_empty(),
            "{credentials:?}"
        );
    }
}

#[test]
fn the_vcenter_of_an_esx_uri_has_its_own_credentials() {
    let s = Scratch::new();
    let conf = s.write("auth.conf", AUTH_CONF);
    let uri = ConnectUri::parse(&format!(
        "esx://root@esx1.example.com/?vcenter=vc.example.com&authfile={}",
        conf.display()
    ))
    .unwrap();
    let sources = CredentialSources::isolated();
    let host = sources.resolve(&CredentialRequest::for_uri(&uri)).unwrap();
    assert_eq!(
        (host.user.as_str(), host.password.expose()),
        ("root", "pr0d")
    );
    let request = CredentialRequest::for_vcenter(&uri, "vc.example.com");
    assert_eq!(request.scheme, Scheme::Vpx);
    let vcenter = sources.resolve(&request).unwrap();
    assert_eq!(
        (vcenter.user.as_str(), vcenter.password.expose()),
        ("administrator@vsphere.local", "vc-secret")
    );
    // An address the host reported, with no group of its own: the esx default applies.
    let vcenter = sources
        .resolve(&CredentialRequest::for_vcenter(&uri, "10.0.0.9"))
        .unwrap();
    assert_eq!(
        (vcenter.user.as_str(), vcenter.password.expose()),
        ("labadmin", "lab pass=with spaces ")
    );
}

#[test]
fn without_any_password_the_error_says_what_was_tried() {
    let s = Scratch::new();
    let conf = s.write("auth.conf", AUTH_CONF);
    let no_groups = s.write("empty.conf", "[credentials-x]\npassword=y\n");
    let prompt = ScriptedPrompt::default();
    let message = |env: &[(&str, &str)], uri: &str| {
        let sources = prompt.install(
            CredentialSources::isolated()
                .with_env_vars(s.env(env))
                .with_system_auth_file(s.path("etc/auth.conf")),
        );
        let error = sources.resolve(&request(uri)).unwrap_err();
        assert!(matches!(error, AuthError::NoPassword { .. }), "{error:?}");
        s.show(Path::new(&error.to_string()))
    };
    assert_eq!(
        message(&[("HOME", "$DIR/home")], "esx://esx1/"),
        "No password for root@esx1: no auth.conf ($DIR/home/.config/libvirt/auth.conf: not found, $DIR/etc/auth.conf: not found); \
         ESX_PASSWORD is not set; there is no terminal to prompt on. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal"
    );
    assert_eq!(
        message(&[], "vpx://admin@vc/dc/h"),
        "No password for admin@vc: no auth.conf ($DIR/etc/auth.conf: not found); \
         ESX_PASSWORD is not set; there is no terminal to prompt on. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal"
    );
    assert_eq!(
        message(&[("LIBVIRT_AUTH_FILE", no_groups.to_str().unwrap())], "vpx://vc/dc/h"),
        "No password for administrator@vc: $DIR/empty.conf has no [auth-vpx-vc], [auth-esx-vc], [auth-vpx-default] or [auth-esx-default] group; \
         ESX_PASSWORD is not set; there is no terminal to prompt on. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal"
    );
    assert_eq!(
        message(&[("LIBVIRT_AUTH_FILE", no_groups.to_str().unwrap())], "esx://h/"),
        "No password for root@h: $DIR/empty.conf has no [auth-esx-h] or [auth-esx-default] group; \
         ESX_PASSWORD is not set; there is no terminal to prompt on. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal"
    );
    assert_eq!(
        message(&[("LIBVIRT_AUTH_FILE", conf.to_str().unwrap())], "esx://esx3.example.com/"),
        "No password for ops@esx3.example.com: $DIR/auth.conf: [credentials-nopassword] (chosen by [auth-esx-esx3.example.com]) has no password; \
         ESX_PASSWORD is not set; there is no terminal to prompt on. Add one to auth.conf, set ESX_PASSWORD, or run on a terminal"
    );
    assert_eq!(prompt.asked().len(), 5, "the prompt was tried each time");
}

#[test]
fn an_auth_file_that_was_named_must_be_readable_and_valid() {
    let s = Scratch::new();
    s.write(
        "broken.conf",
        "[auth-esx-h]\ncredentials=x\n  password=secret\n",
    );
    // (environment, uri, message)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        (&[("LIBVIRT_AUTH_FILE", "$DIR/missing.conf")], "esx://h/", "Cannot read auth file '$DIR/missing.conf' (named by $LIBVIRT_AUTH_FILE): No such file or directory (os error 2)"),
        (&[], "esx://h/?authfile=$DIR/missing.conf", "Cannot read auth file '$DIR/missing.conf' (named by the URI's authfile parameter): No such file or directory (os error 2)"),
        (&[("LIBVIRT_AUTH_FILE", "$DIR/broken.conf")], "esx://h/", "$DIR/broken.conf:3: expected newline: a line must not start with white space"),
        (&[("XDG_CONFIG_HOME", "$DIR/xdg")], "esx://h/", "Missing group 'credentials-x' referenced from group 'auth-esx-h' in '$DIR/xdg/libvirt/auth.conf'"),
    ];
    s.write("xdg/libvirt/auth.conf", "[auth-esx-h]\ncredentials=x\n");
    let root = s.dir.path().display().to_string();
    for (env, uri, expected) in cases {
        let prompt = ScriptedPrompt::answering("never used");
        let sources = prompt.install(CredentialSources::isolated().with_env_vars(s.env(env)));
        let uri = uri.replace("$DIR", &root);
        let error = sources.resolve(&request(&uri)).unwrap_err();
        assert_eq!(
            s.show(Path::new(&Report(&error).to_string())),
            *expected,
            "{uri}"
        );
        assert!(
            prompt.asked().is_empty(),
            "no prompt after a broken auth file"
        );
    }
}

/// Resolves on another thread, failing the test if it does not finish in time (a FIFO opened
/// for reading would block forever).
fn resolve_within(
    sources: CredentialSources,
    uri: &str,
    limit: std::time::Duration,
) -> Result<esx_driver::auth::Credentials, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let request = request(uri);
    std::thread::spawn(move || {
        let _ = tx.send(sources.resolve(&request).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("resolving credentials for {uri} blocked"))
}

#[cfg(unix)]
#[test]
fn an_auth_file_that_is_a_fifo_or_a_device_is_refused_without_blocking() {
    let s = Scratch::new();
    let fifo = s.path("fifo.conf");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|status| status.success()), "mkfifo");
    let limit = std::time::Duration::from_secs(10);
    let fifo_text = fifo.display().to_string();
    for (env, uri, origin) in [
        (
            vec![("LIBVIRT_AUTH_FILE", fifo_text.as_str())],
            "esx://h/".to_owned(),
            "named by $LIBVIRT_AUTH_FILE",
        ),
        (
            vec![],
            format!("esx://h/?authfile={fifo_text}"),
            "named by the URI's authfile parameter",
        ),
        (
            vec![("LIBVIRT_AUTH_FILE", "/dev/zero")],
            "esx://h/".to_owned(),
            "named by $LIBVIRT_AUTH_FILE",
        ),
    ] {
        let sources = CredentialSources::isolated().with_env_vars(env.clone());
        let message = resolve_within(sources, &uri, limit).unwrap_err();
        assert!(message.contains("not a regular file"), "{message}");
        assert!(message.contains(origin), "{message}");
    }
    // A FIFO where the user's auth.conf would be is passed over, not opened.
    let xdg = s.path("xdg");
    std::fs::create_dir_all(xdg.join("libvirt")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(xdg.join("libvirt/auth.conf"))
        .status();
    assert!(made.is_ok_and(|status| status.success()), "mkfifo");
    let sources = CredentialSources::isolated()
        .with_env_vars([("XDG_CONFIG_HOME", xdg.display().to_string())]);
    let message = resolve_within(sources, "esx://h/", limit).unwrap_err();
    assert!(
        message.contains("not a regular file (it is a named pipe (FIFO))"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn an_auth_file_others_can_read_is_warned_about_once() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    let s = Scratch::new();
    let conf = s.write(
        "auth.conf",
        "[credentials-x]\nusername=joe\npassword=secret\n[auth-esx-default]\ncredentials=x\n",
    );
    let private = s.write(
        "private.conf",
        "[credentials-x]\nusername=joe\npassword=secret\n[auth-esx-default]\ncredentials=x\n",
    );
    std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(esx_driver::auth::exposed_auth_file(&private).is_none());
    let warning = esx_driver::auth::exposed_auth_file(&conf).expect("0644 is exposed");
    assert!(warning.contains("permissions 0644"), "{warning}");
    assert!(warning.contains("chmod 600"), "{warning}");

    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        for path in [&conf, &conf, &private] {
            let sources = CredentialSources::isolated()
                .with_env_vars([("LIBVIRT_AUTH_FILE", path.display().to_string())]);
            let credentials = sources.resolve(&request("esx://h/")).unwrap();
            assert_eq!(credentials.user, "joe");
        }
    });
    let logged = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        logged.matches("can be read or written by").count(),
        1,
        "{logged}"
    );
    assert!(logged.contains("auth.conf"), "{logged}");
    assert!(!logged.contains("private.conf"), "{logged}");
    assert!(!logged.contains("secret"), "{logged}");
}
