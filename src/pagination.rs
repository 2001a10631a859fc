//! Pagination: how many listing pages a list gets, their URLs, and which of them a page links.
//!
//! Shared by `resolve` (which reserves every listing page's URL, so that a page cannot silently
//! overwrite one) and `render` (which produces them).

/// Listing pages for `items` items at `paginate_by` per page; 0 or `None` means one page.
pub fn pager_count(items: usize, paginate_by: Option<usize>) -> usize {
    match paginate_by {
        Some(per) if per > 0 => items.div_ceil(per).max(1),
        _ => 1,
    }
}

/// URL path of listing page `pager` of a listing at `base` (`/reports/page/2/`).
pub fn pager_path(base: &str, pager: usize) -> String {
    if pager <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{pager}/")
    }
}

/// Every URL a paginated listing at `base` produces besides `base` itself: `page/2/` onwards,
/// and the `page/1/` redirect.
pub fn extra_pager_paths(base: &str, count: usize) -> impl Iterator<Item = String> + '_ {
    let redirect = (count > 1).then(|| format!("{base}page/1/"));
    redirect
        .into_iter()
        .chain((2..=count).map(move |n| pager_path(base, n)))
}

/// The pager numbers a listing shows, GOV.UK style: the first, the last, and two either side
/// of the current one; `None` marks a gap (…). A listing with a thousand pages thus links a
/// handful of them, which keeps both the page and the build small.
pub fn pager_window(current: usize, count: usize) -> Vec<Option<usize>> {
    let mut shown: Vec<usize> = [1, count]
        .into_iter()
        .chain(current.saturating_sub(2)..=current + 2)
        .filter(|n| (1..=count).contains(n))
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let mut window = Vec::with_capacity(shown.len() + 2);
    let mut previous = 0;
    for n in shown {
        if n > previous + 1 {
            window.push(None);
        }
        window.push(Some(n));
        previous = n;
    }
    window
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_reserves_its_other_pages_and_the_redirect() {
        let paths: Vec<String> = extra_pager_paths("/r/", 3).collect();
        assert_eq!(paths, ["/r/page/1/", "/r/page/2/", "/r/page/3/"]);
        assert_eq!(extra_pager_paths("/r/", 1).count(), 0);
        assert_eq!(pager_count(21, Some(10)), 3);
        assert_eq!(pager_count(0, Some(10)), 1);
        assert_eq!(pager_count(50, None), 1);
    }

    #[test]
    fn pager_window_shows_ends_and_neighbours_with_gaps() {
        assert_eq!(pager_window(1, 1), vec![Some(1)]);
        assert_eq!(pager_window(2, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            pager_window(50, 100),
            vec![
                Some(1),
                None,
                Some(48),
                Some(49),
                Some(50),
                Some(51),
                Some(52),
                None,
                Some(100)
            ]
        );
        assert_eq!(
            pager_window(1, 100),
            vec![Some(1), Some(2), Some(3), None, Some(100)]
        );
    }
}
