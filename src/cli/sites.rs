//! `clean-news sites PROFILES`: what `run` learned about each site.

use std::io::Write;

use clean_news::clean::site::SiteProfiles;

use super::Status;
use super::args::SitesArgs;

/// Prints the profiles.
pub(crate) fn run(args: &SitesArgs) -> anyhow::Result<Status> {
    let path = if args.profiles.is_dir() {
        args.profiles.join("site-profiles.json")
    } else {
        args.profiles.clone()
    };
    let profiles = SiteProfiles::load(&path)?;
    write!(std::io::stdout().lock(), "{profiles}")?;
    Ok(Status::Success)
}
