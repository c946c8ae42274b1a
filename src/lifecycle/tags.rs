//! User tags (spec 04 §11): at most 20 per user, 1–40 bytes each of letters, digits, `_` and
//! `-` (no special characters), outside the attribute budget; setting replaces them all. A
//! per-app inverted index answers "who has this tag" for broadcast pushes.

use serde::{Deserialize, Serialize};

use super::{LifecycleEvent, check_batch, emit, error::invalid, user_named};
use crate::command::Exec;
use crate::engine::{Ctx, NOT_ALLOWED, ReadCtx};
use crate::error::Result;
use crate::ids::{UserId, UserName};
use crate::limits::{TAG_BATCH_USERS_MAX, TAG_BYTES_MAX, TAG_GET_USERS_MAX, TAGS_PER_USER_MAX};
use crate::query::Ask;
use crate::users::find;

/// Checks a tag list: at most 20, each 1–40 bytes of `[A-Za-z0-9_-]` or non-ASCII letters;
/// duplicates collapse (first kept).
fn check_tags(tags: &[String]) -> Result<Vec<Box<str>>> {
    if tags.len() > TAGS_PER_USER_MAX {
        return Err(invalid(format!(
            "a user has at most {TAGS_PER_USER_MAX} tags"
        )));
    }
    let mut out: Vec<Box<str>> = Vec::with_capacity(tags.len());
    for t in tags {
        let ok = !t.is_empty()
            && t.len() <= TAG_BYTES_MAX
            && t.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(invalid(format!(
                "tag {t} must be 1 to {TAG_BYTES_MAX} bytes of letters, digits, _ and -"
            )));
        }
        if !out.iter().any(|o| **o == **t) {
            out.push(t.as_str().into());
        }
    }
    Ok(out)
}

fn set(cx: &mut Ctx<'_>, id: UserId, name: UserName, tags: Vec<Box<str>>) {
    cx.st.lifecycle.set_tags(id, tags);
    let at = cx.now;
    emit(cx, LifecycleEvent::UserTagsChanged { user: name, at });
}

/// Replaces the tags of the users listed (`/user/tag/set.json` for one,
/// `/user/tag/batch/set.json` for up to 1 000 with the same tags). An empty list clears them.
/// Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no users or over 1 000,
/// over 20 tags, a bad tag); `404 service_resource_not_found` / `404 account_closed` (nothing
/// changes).
///
/// Emits `UserTagsChanged` per user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct SetUserTags {
    /// Whose.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
    /// The tags.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::tags))]
    pub tags: Vec<String>,
}

impl Exec for SetUserTags {
    type Reply = ();
    fn exec(self, cx: &mut Ctx<'_>) -> Result<()> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), TAG_BATCH_USERS_MAX, "userIds")?;
        let tags = check_tags(&self.tags)?;
        let users = crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| user_named(cx.st, &n).map(|(id, _)| (id, n)))
            .collect::<Result<Vec<_>>>()?;
        for (id, name) in users {
            set(cx, id, name, tags.clone());
        }
        Ok(())
    }
}

/// The tags of up to 50 users, in request order (`/user/tags/get.json`). Admin only.
///
/// Errors, in check order: `401 unauthorized`; `400 illegal_argument` (no users, over 50);
/// `404 service_resource_not_found`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct GetUserTags {
    /// Whose.
    #[cfg_attr(feature = "fuzzing", arbitrary(with = crate::fuzzing::names))]
    pub users: Vec<UserName>,
}

impl Ask for GetUserTags {
    type Reply = Vec<(UserName, Vec<String>)>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<(UserName, Vec<String>)>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        check_batch(self.users.len(), TAG_GET_USERS_MAX, "userIds")?;
        crate::roster::distinct(&self.users)
            .into_iter()
            .map(|n| {
                let (id, _) = find(cx.st, &n)?;
                let tags = cx
                    .st
                    .lifecycle
                    .user(id)
                    .map(|l| l.tags.iter().map(|t| t.to_string()).collect())
                    .unwrap_or_default();
                Ok((n, tags))
            })
            .collect()
    }
}

/// The users who have a tag, by id order (from the per-app index). Admin only.
///
/// Errors: `401 unauthorized`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct UsersWithTag {
    /// The tag.
    pub tag: String,
}

impl Ask for UsersWithTag {
    type Reply = Vec<UserName>;
    fn ask(self, cx: &ReadCtx<'_>) -> Result<Vec<UserName>> {
        cx.actor.admin_only(NOT_ALLOWED)?;
        let mut out: Vec<UserName> = cx
            .st
            .lifecycle
            .tag_index
            .get(self.tag.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| cx.st.users.name(*id).cloned())
            .collect();
        out.sort_unstable();
        Ok(out)
    }
}
