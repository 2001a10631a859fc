//! Benchmark corpus generator.
//!
//! Writes N pages of synthetic Chinese government text (工作报告, 政务视频 page
//! bundles, 通知公告) into ONE content tree, plus the configuration and minimal,
//! equivalent templates for both `gongkai` and Hugo, so `bench/run.sh` can time
//! both tools on exactly the same input.
//!
//! ```text
//! cargo run --release --example corpus -- --pages 10000 --out /tmp/corpus-10k [--seed 42]
//! ```
//!
//! Output layout:
//!
//! ```text
//! DIR/corpus.toml      what was generated (counts, layout, expected output)
//! DIR/content/         shared content tree (TOML front matter between +++)
//! DIR/site.toml        gongkai configuration
//! DIR/templates/       gongkai templates (minijinja, Zola variable names)
//! DIR/hugo/hugo.toml   Hugo configuration, contentDir = "../content"
//! DIR/hugo/layouts/    Hugo templates producing the same pages
//! ```
//!
//! The program is std-only and deterministic: every page draws from its own
//! SplitMix64 stream seeded by (seed, kind, number), so a page's text does not
//! change when N changes; only its folder may (see [`Layout`]).
//!
//! It deliberately does not use the `gongkai` library: the corpus must stay
//! the same while the engine changes, and it must be buildable on its own
//! (`rustc --edition 2024 -O examples/corpus.rs`) when the crate is mid-edit.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

/// SplitMix64: tiny, fast, good enough statistically for text generation.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next();
        r
    }

    fn for_page(seed: u64, kind: Kind, number: usize) -> Self {
        let k = (kind as u64 + 1) << 56;
        Rng::new(seed ^ k ^ (number as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..hi` (hi > lo).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

// ---------------------------------------------------------------------------
// Phrase pools (written for this corpus; tone of a district-level annual report)
// ---------------------------------------------------------------------------

const PLACE: &str = "示例区";
const SOURCE: &str = "示例区司法局";

const OPENERS: &[&str] = &[
    "",
    "",
    "",
    "年内,",
    "同时,",
    "此外,",
    "全年,",
    "截至12月底,",
    "按照上级部署要求,",
    "围绕年度目标任务,",
    "坚持问题导向,",
    "在此基础上,",
    "为进一步巩固工作成效,",
    "结合本地实际,",
    "对照年度工作要点,",
    "针对群众反映集中的问题,",
];

const SUBJECTS: &[&str] = &[
    "区司法局",
    "区人民政府办公室",
    "区市场监督管理局",
    "区生态环境分局",
    "区应急管理局",
    "各乡镇(街道)",
    "区教育局",
    "区交通运输局",
    "区住房和城乡建设局",
    "区卫生健康局",
    "区人力资源和社会保障局",
    "区自然资源局",
    "区农业农村局",
    "区行政审批服务局",
    "区城市管理综合执法局",
    "区政务服务中心",
    "区消防救援大队",
    "各村(社区)",
];

const ACTIONS: &[&str] = &[
    "深入推进法治政府建设",
    "全面落实行政执法公示、执法全过程记录、重大执法决定法制审核制度",
    "持续深化“放管服”改革",
    "扎实开展“八五”普法宣传教育",
    "严格规范公正文明执法",
    "健全重大行政决策程序",
    "加强行政规范性文件合法性审核和备案审查",
    "推进政务公开标准化规范化建设",
    "开展安全生产隐患排查整治",
    "持续打好蓝天、碧水、净土保卫战",
    "优化法治化营商环境",
    "强化行政复议和行政应诉工作",
    "推进基层依法治理",
    "完善公共法律服务体系",
    "落实“谁执法谁普法”普法责任制",
    "开展道路交通安全专项整治",
    "加强食品药品安全监管",
    "推行包容审慎监管和轻微违法不罚清单",
    "规范政府信息依申请公开办理流程",
    "开展矛盾纠纷排查化解",
    "推进“互联网+监管”平台应用",
    "加强执法人员资格管理和业务培训",
    "组织开展宪法和民法典主题宣传",
    "完善法律顾问和公职律师制度",
    "推动社区矫正规范化管理",
    "开展重点行业领域消防安全检查",
    "加强饮用水水源地保护",
    "推进“一网通办”和“一件事一次办”",
    "建立健全行政执法协调监督工作体系",
    "深化人民调解“以案定补”机制",
];

const RESULTS: &[&str] = &[
    "共开展专项检查#次",
    "发放宣传资料$余份",
    "办理行政复议案件#件",
    "受理政府信息公开申请#件,按期答复率100%",
    "培训执法人员#人次",
    "排查整改各类隐患#处",
    "审查规范性文件#件",
    "化解矛盾纠纷#起,调解成功率@",
    "组织法治讲座#场",
    "检查生产经营单位#家",
    "立案查处违法案件#起,罚没款#万元",
    "主动公开政府信息$条",
    "召开新闻发布会#场",
    "接待群众来访#人次",
    "办理法律援助案件#件",
    "开展“法律明白人”培训#期",
    "回应网民留言#条,办结率@",
    "完成重大行政决策合法性审查#件",
    "出具法律意见书#份",
    "录入行政执法信息$条",
    "开展联合执法#次",
    "整治问题线索#条",
    "走访企业#家",
    "覆盖群众$余人次",
    "制作普法短视频#期",
    "开展应急演练#场",
    "督办整改事项#项",
    "更新政务公开目录#项",
    "组织旁听庭审#次",
    "群众满意度达到@",
];

const EFFECTS: &[&str] = &[
    "有效提升了群众满意度",
    "执法规范化水平明显提高",
    "营造了浓厚的法治氛围",
    "切实保障了人民群众合法权益",
    "确保各项工作落到实处",
    "推动工作取得新成效",
    "形成了部门协同、上下联动的工作格局",
    "政府透明度和公信力进一步增强",
    "全区安全生产形势总体平稳",
    "区域生态环境质量持续改善",
    "市场主体获得感不断增强",
    "基层治理能力得到有效提升",
    "矛盾纠纷化解在萌芽状态",
    "相关经验做法得到上级肯定",
    "为经济社会发展提供了有力法治保障",
    "实现了“零事故”“零投诉”目标",
];

const HEADINGS: &[&str] = &[
    "坚持党的领导,凝聚法治建设合力",
    "注重专业规范,增强依法行政能力",
    "深化政务公开,提升政府透明度",
    "规范行政执法,提升执法质效",
    "加强普法宣传,营造良好氛围",
    "防范化解风险,守牢安全底线",
    "优化营商环境,激发市场活力",
    "强化监督制约,规范权力运行",
    "完善公共法律服务,满足群众需求",
    "推进生态环境保护,建设美丽家园",
    "健全决策机制,提高决策质量",
    "加强队伍建设,夯实工作基础",
    "聚焦民生关切,办好惠民实事",
    "推进数字政府建设,提升服务效能",
    "坚持源头治理,维护社会稳定",
    "强化制度供给,提升治理水平",
    "推进基层法治,建设法治乡村",
    "严格文件管理,维护法制统一",
];

const LEAD_A: &[&str] = &[
    "高位推动",
    "深学细悟",
    "强化考核",
    "健全机制",
    "压实责任",
    "创新方式",
    "聚焦重点",
    "精准施策",
    "多措并举",
    "源头治理",
    "规范程序",
    "提质增效",
    "统筹协调",
    "示范引领",
];

const LEAD_B: &[&str] = &[
    "夯实组织保障",
    "强化法治意识",
    "严格督察考评",
    "提升执法质效",
    "筑牢安全防线",
    "营造浓厚氛围",
    "回应群众关切",
    "守牢底线红线",
    "优化服务供给",
    "推动工作落实",
    "提升公开实效",
    "促进公平正义",
];

const PROBLEMS: &[&str] = &[
    "部分单位对法治建设重视程度不够,统筹协调作用发挥还不充分",
    "普法宣传形式较为传统,载体不够丰富,吸引力和覆盖面有待提升",
    "基层执法力量相对薄弱,执法人员专业化水平仍需提高",
    "政务公开内容的及时性和解读质量还有差距,个别栏目更新不够及时",
    "法律顾问作用发挥不够充分,参与重大决策的深度有限",
    "安全生产基础仍不牢固,部分企业主体责任落实不到位",
    "行政规范性文件清理工作的常态化机制还不健全",
    "数字化执法平台应用不够深入,数据共享程度不高",
    "矛盾纠纷多元化解机制衔接不够顺畅",
    "生态环境治理的长效机制有待进一步完善",
];

const INDICATORS: &[(&str, &str)] = &[
    ("行政执法案件", "件"),
    ("政府信息公开申请", "件"),
    ("行政复议案件", "件"),
    ("普法宣传活动", "场"),
    ("安全隐患排查整改", "处"),
    ("人民调解案件", "起"),
    ("法律援助案件", "件"),
    ("规范性文件备案审查", "件"),
    ("执法人员培训", "人次"),
    ("主动公开政府信息", "条"),
    ("政务服务事项网上可办", "项"),
    ("环境违法案件查处", "起"),
];

const REPORT_TOPICS: &[&str] = &[
    "法治政府建设",
    "政府信息公开",
    "行政执法",
    "普法依法治理",
    "安全生产",
    "生态环境保护",
    "优化营商环境",
    "行政复议",
    "公共法律服务",
    "人民调解",
    "政务服务",
    "规范性文件管理",
];

const NOTICE_ACTIVITIES: &[&str] = &[
    "2024年“宪法宣传周”系列活动",
    "安全生产月活动",
    "行政执法案卷评查",
    "政务公开培训",
    "重点领域消防安全专项检查",
    "“法律明白人”骨干培训",
    "规范性文件集中清理",
    "民法典主题宣传",
    "防汛抗旱应急演练",
    "食品安全专项抽检",
    "政府网站内容普查",
    "人民调解员业务轮训",
    "行政执法人员资格考试",
    "营商环境满意度调查",
    "禁毒宣传月活动",
];

const NOTICE_MATTERS: &[&str] = &[
    "调整政务服务大厅办公时间",
    "公开征求意见",
    "行政许可事项变更",
    "拟聘用人员名单公示",
    "法律援助志愿者招募",
    "行政处罚决定送达",
    "暂停办理部分业务",
    "政府信息公开指南更新",
    "公共法律服务热线开通",
    "年度行政执法数据公开",
];

const DOCS: &[&str] = &[
    "示例区重大行政决策程序规定",
    "示例区行政执法公示办法",
    "示例区政务公开工作要点",
    "示例区安全生产工作考核办法",
    "示例区法律顾问工作管理办法",
    "示例区矛盾纠纷多元化解实施方案",
    "示例区生态环境保护责任清单",
    "示例区优化营商环境十条措施",
];

const VIDEO_THEMES: &[&str] = &[
    "民法典与百姓生活",
    "遇到劳动纠纷怎么办",
    "电信网络诈骗防范",
    "安全生产人人有责",
    "垃圾分类从我做起",
    "行政复议便民指南",
    "法律援助申请流程",
    "政务服务“一网通办”操作演示",
    "防汛避险常识",
    "消防安全进万家",
    "未成年人保护法解读",
    "农村土地承包知识问答",
];

const CUES: &[&str] = &[
    "大家好,欢迎收看本期节目。",
    "今天我们来了解相关法律知识。",
    "遇到问题,要依法维权。",
    "可以拨打12345政务服务便民热线。",
    "申请材料可以在网上提交。",
    "办理时限为十五个工作日。",
    "请注意保存相关证据。",
    "法律援助免费为符合条件的群众提供服务。",
    "安全无小事,责任重于泰山。",
    "感谢您的收看,我们下期再见。",
    "详细内容请登录区政府门户网站查询。",
    "依法办事,从我做起。",
];

const TAGS: &[&str] = &[
    "法治政府",
    "政务公开",
    "行政执法",
    "普法宣传",
    "安全生产",
    "生态环境",
    "营商环境",
    "行政复议",
    "公共法律服务",
    "人民调解",
    "社区矫正",
    "规范性文件",
    "重大行政决策",
    "信息公开年报",
    "依法行政",
    "基层治理",
    "乡村振兴",
    "食品安全",
    "消防安全",
    "防汛抗旱",
    "交通运输",
    "教育",
    "医疗卫生",
    "社会保障",
    "市场监管",
    "城市管理",
    "民生实事",
    "政策解读",
    "法律援助",
    "数字政府",
];

const CN_NUM: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// Replaces placeholders: `#` small count, `$` large count, `@` a percentage.
fn fill(r: &mut Rng, template: &str, out: &mut String) {
    for c in template.chars() {
        match c {
            '#' => {
                let _ = write!(out, "{}", r.range(3, 400));
            }
            '$' => {
                let _ = write!(out, "{}", r.range(200, 30000));
            }
            '@' => {
                let tenths = r.range(900, 1000);
                let _ = write!(out, "{}.{}%", tenths / 10, tenths % 10);
            }
            c => out.push(c),
        }
    }
}

fn sentence(r: &mut Rng, out: &mut String) {
    out.push_str(r.pick(OPENERS));
    out.push_str(r.pick(SUBJECTS));
    out.push_str(r.pick(ACTIONS));
    out.push(',');
    let first = r.below(RESULTS.len() as u64) as usize;
    fill(r, RESULTS[first], out);
    if r.chance(0.5) {
        // A different second result: never "检查#次,检查#次".
        let second = (first + 1 + r.below(RESULTS.len() as u64 - 1) as usize) % RESULTS.len();
        out.push(',');
        fill(r, RESULTS[second], out);
    }
    out.push(',');
    out.push_str(r.pick(EFFECTS));
    out.push('。');
}

/// A paragraph of `lo..hi` sentences.
fn paragraph(r: &mut Rng, lo: u64, hi: u64, out: &mut String) {
    for _ in 0..r.range(lo, hi) {
        sentence(r, out);
    }
    out.push_str("\n\n");
}

/// Number of non-ASCII chars, a cheap stand-in for "Chinese characters".
fn cjk_len(s: &str) -> usize {
    s.chars().filter(|c| !c.is_ascii()).count()
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

const FIRST_YEAR: i64 = 2015;
const LAST_YEAR: i64 = 2024;

/// Days since 1970-01-01 for a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Date {
    y: i64,
    m: i64,
    d: i64,
    hh: i64,
    mm: i64,
}

impl Date {
    fn random(r: &mut Rng) -> Date {
        let lo = days_from_civil(FIRST_YEAR, 1, 1);
        let hi = days_from_civil(LAST_YEAR, 12, 31) + 1;
        let (y, m, d) = civil_from_days(r.range(lo as u64, hi as u64) as i64);
        Date {
            y,
            m,
            d,
            hh: r.range(8, 19) as i64,
            mm: r.range(0, 60) as i64,
        }
    }

    /// RFC 3339, written unquoted so TOML reads it as an offset datetime.
    fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:00+08:00",
            self.y, self.m, self.d, self.hh, self.mm
        )
    }

    fn chinese(&self) -> String {
        format!("{}年{}月{}日", self.y, self.m, self.d)
    }
}

// ---------------------------------------------------------------------------
// Corpus model
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Report = 0,
    Video = 1,
    Notice = 2,
}

const KINDS: [Kind; 3] = [Kind::Report, Kind::Video, Kind::Notice];

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Report => "reports",
            Kind::Video => "videos",
            Kind::Notice => "notices",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Kind::Report => "工作报告",
            Kind::Video => "政务视频",
            Kind::Notice => "通知公告",
        }
    }
    fn description(self) -> &'static str {
        match self {
            Kind::Report => "本栏目发布示例区各部门年度工作报告和专项工作总结。",
            Kind::Video => "本栏目发布普法微视频、政策解读和政务服务操作演示,均提供中文字幕。",
            Kind::Notice => "本栏目发布示例区各类通知、公告和公示信息。",
        }
    }
    fn prefix(self) -> char {
        match self {
            Kind::Report => 'r',
            Kind::Video => 'v',
            Kind::Notice => 'n',
        }
    }
}

/// How a section's pages are spread over folders so none holds more than
/// roughly 1,500 entries: flat up to 1,500 pages, one folder per year (10
/// years) up to 12,000, one folder per month (120 months) beyond that.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    Flat,
    Year,
    Month,
}

impl Layout {
    fn for_count(n: usize) -> Layout {
        if n <= 1500 {
            Layout::Flat
        } else if n <= 12_000 {
            Layout::Year
        } else {
            Layout::Month
        }
    }

    fn name(self) -> &'static str {
        match self {
            Layout::Flat => "flat",
            Layout::Year => "year",
            Layout::Month => "month",
        }
    }

    /// Folder of a page, relative to content/, without trailing slash.
    fn folder(self, kind: Kind, date: &Date) -> String {
        match self {
            Layout::Flat => kind.dir().to_string(),
            Layout::Year => format!("{}/{}", kind.dir(), date.y),
            Layout::Month => format!("{}/{}/{:02}", kind.dir(), date.y, date.m),
        }
    }
}

struct Meta {
    kind: Kind,
    number: usize,
    date: Date,
    folder: String,
    title: String,
    tags: Vec<&'static str>,
    /// Running time `MM:SS` of a video; `None` for other kinds.
    duration: Option<String>,
}

impl Meta {
    fn slug(&self) -> String {
        format!("{}{:06}", self.kind.prefix(), self.number)
    }
    fn url(&self) -> String {
        format!("/{}/{}/", self.folder, self.slug())
    }
}

fn make_title(r: &mut Rng, kind: Kind, date: &Date) -> String {
    match kind {
        Kind::Report => match r.below(3) {
            0 => format!(
                "{}年度{}{}工作情况的报告",
                date.y - 1,
                PLACE,
                r.pick(REPORT_TOPICS)
            ),
            1 => format!(
                "{}{}{}年{}工作总结",
                PLACE,
                r.pick(SUBJECTS).trim_start_matches('区'),
                date.y,
                r.pick(REPORT_TOPICS)
            ),
            _ => format!(
                "{}关于{}年{}工作的报告",
                r.pick(SUBJECTS),
                date.y - 1,
                r.pick(REPORT_TOPICS)
            ),
        },
        Kind::Video => match r.below(3) {
            0 => format!("【普法微视频】{}", r.pick(VIDEO_THEMES)),
            1 => format!("{}——{}专题片", r.pick(VIDEO_THEMES), r.pick(SUBJECTS)),
            _ => format!("政策解读:《{}》", r.pick(DOCS)),
        },
        Kind::Notice => match r.below(4) {
            0 => format!("关于开展{}的通知", r.pick(NOTICE_ACTIVITIES)),
            1 => format!("关于{}的公告", r.pick(NOTICE_MATTERS)),
            2 => format!("关于印发《{}》的通知", r.pick(DOCS)),
            _ => format!("{}{}情况公示", r.pick(SUBJECTS), r.pick(NOTICE_MATTERS)),
        },
    }
}

/// 1–4 distinct tags, skewed so a few tags are popular and some are rare.
fn make_tags(r: &mut Rng) -> Vec<&'static str> {
    let want = r.range(1, 5) as usize;
    let mut tags: Vec<&'static str> = Vec::with_capacity(want);
    while tags.len() < want {
        let i = (r.unit().powf(1.8) * TAGS.len() as f64) as usize;
        let t = TAGS[i.min(TAGS.len() - 1)];
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

fn make_metas(pages: usize, seed: u64) -> (Vec<Meta>, [usize; 3], [Layout; 3]) {
    let reports = ((pages * 3 + 5) / 10).min(pages);
    let videos = ((pages * 2 + 5) / 10).min(pages - reports);
    let counts = [reports, videos, pages - reports - videos];
    let layouts = counts.map(Layout::for_count);
    let mut metas = Vec::with_capacity(pages);
    for (k, kind) in KINDS.into_iter().enumerate() {
        for number in 1..=counts[k] {
            let mut r = Rng::for_page(seed, kind, number);
            let date = Date::random(&mut r);
            let title = make_title(&mut r, kind, &date);
            let tags = make_tags(&mut r);
            let duration = (kind == Kind::Video)
                .then(|| format!("{:02}:{:02}", r.range(1, 8), r.range(0, 60)));
            let folder = layouts[k].folder(kind, &date);
            metas.push(Meta {
                kind,
                number,
                date,
                folder,
                title,
                tags,
                duration,
            });
        }
    }
    (metas, counts, layouts)
}

// ---------------------------------------------------------------------------
// Page bodies
// ---------------------------------------------------------------------------

fn link_to(r: &mut Rng, metas: &[Meta], me: usize) -> (String, String) {
    loop {
        let i = r.below(metas.len() as u64) as usize;
        if i != me || metas.len() == 1 {
            return (metas[i].title.clone(), metas[i].url());
        }
    }
}

fn report_body(r: &mut Rng, metas: &[Meta], me: usize) -> String {
    let m = &metas[me];
    let year = m.date.y - 1;
    let target = r.range(1500, 3800) as usize;
    let links = r.range(2, 6) as usize;
    let inline_links = r.range(1, links as u64).min(2) as usize;

    // Parts 二 and 三 first, so part 一 can grow until the whole reaches the target.
    let mut tail = String::with_capacity(2048);
    tail.push_str("## 二、存在的问题和不足\n\n在肯定成绩的同时,我们也清醒地认识到,工作中还存在一些问题和不足:\n\n");
    let start = r.below(PROBLEMS.len() as u64) as usize;
    for j in 0..r.range(2, 5) as usize {
        let _ = writeln!(tail, "- {}。", PROBLEMS[(start + j) % PROBLEMS.len()]);
    }
    tail.push('\n');
    let _ = writeln!(tail, "## 三、{}年工作打算\n", year + 1);
    tail.push_str("下一步,我们将坚持问题导向,创新工作举措,加大监督检查力度,重点做好以下工作:\n\n");
    for i in 1..=r.range(3, 6) {
        let _ = write!(tail, "{i}. **进一步{}**。", r.pick(LEAD_B));
        sentence(r, &mut tail);
        tail.push('\n');
    }
    tail.push('\n');
    let tail_len = cjk_len(&tail) + 20 * links;

    let mut b = String::with_capacity(target * 4);
    let _ = write!(
        b,
        "{year}年,在区委、区政府的坚强领导下,{PLACE}坚持以法治思维和法治方式推动各项工作,"
    );
    paragraph(r, 2, 4, &mut b);

    let _ = writeln!(b, "## 一、{year}年主要工作\n");
    let mut k = 0;
    let mut placed_links = 0;
    while k < CN_NUM.len() && (k == 0 || cjk_len(&b) + tail_len < target) {
        let _ = writeln!(b, "### ({}){}\n", CN_NUM[k], r.pick(HEADINGS));
        for i in 1..=r.range(2, 5) {
            // Bold ends before the 。: CommonMark (Hugo's Goldmark) does not close `**` that
            // follows punctuation and precedes a letter, so `**…。**此外` would stay literal.
            let _ = write!(b, "{i}. **{},{}**。", r.pick(LEAD_A), r.pick(LEAD_B));
            for _ in 0..r.range(1, 4) {
                sentence(r, &mut b);
            }
            if placed_links < inline_links && r.chance(0.4) {
                let (t, u) = link_to(r, metas, me);
                let _ = write!(b, "具体做法详见[《{t}》]({u})。");
                placed_links += 1;
            }
            b.push('\n');
        }
        b.push('\n');
        if k == 0 {
            let _ = writeln!(b, "{year}年度主要工作指标完成情况如下表所示。\n");
            let _ = writeln!(b, "| 指标 | 单位 | {}年 | {}年 | 同比 |", year - 1, year);
            b.push_str("| --- | --- | ---: | ---: | ---: |\n");
            let rows = r.range(4, 8) as usize;
            let start = r.below(INDICATORS.len() as u64) as usize;
            for j in 0..rows {
                let (name, unit) = INDICATORS[(start + j) % INDICATORS.len()];
                let before = r.range(20, 2000);
                let after = (before as f64 * (0.7 + r.unit() * 0.7)).round().max(1.0) as u64;
                let change = (after as f64 - before as f64) / before as f64 * 100.0;
                let _ = writeln!(
                    b,
                    "| {name} | {unit} | {before} | {after} | {change:+.1}% |"
                );
            }
            b.push('\n');
        }
        k += 1;
    }

    b.push_str(&tail);
    b.push_str("相关文件:\n\n");
    for _ in placed_links..links {
        let (t, u) = link_to(r, metas, me);
        let _ = writeln!(b, "- [{t}]({u})");
    }
    b.push('\n');
    b
}

fn notice_body(r: &mut Rng, metas: &[Meta], me: usize) -> String {
    let m = &metas[me];
    let target = r.range(200, 560) as usize;
    let mut b = String::with_capacity(target * 4);
    b.push_str("各乡镇(街道)、区直各单位:\n\n");
    let _ = write!(
        b,
        "为{},根据《{}》有关规定,经研究,决定{}。现将有关事项通知如下:\n\n",
        r.pick(ACTIONS),
        r.pick(DOCS),
        r.pick(ACTIONS)
    );
    let mut i = 1;
    let items = ["时间安排", "工作内容", "工作要求", "报送材料", "组织保障"];
    while i <= items.len() && (i <= 2 || cjk_len(&b) + 60 < target) {
        let _ = write!(b, "{i}. **{}**。", items[i - 1]);
        sentence(r, &mut b);
        b.push('\n');
        i += 1;
    }
    b.push('\n');
    if cjk_len(&b) + 60 < target {
        b.push_str("请各单位高度重视,");
        while cjk_len(&b) + 60 < target {
            sentence(r, &mut b);
        }
        b.push_str("\n\n");
    }
    if r.chance(0.3) {
        let (t, u) = link_to(r, metas, me);
        let _ = write!(b, "相关要求参见[《{t}》]({u})。\n\n");
    }
    let _ = write!(
        b,
        "联系人:{}同志,联系电话:12345(政务服务便民热线)。\n\n特此通知。\n\n{SOURCE}  \n{}\n",
        ["王", "李", "张", "刘", "陈", "杨"][r.below(6) as usize],
        m.date.chinese()
    );
    b
}

fn video_body(r: &mut Rng, metas: &[Meta], me: usize) -> String {
    let mut b = String::with_capacity(1500);
    let _ = write!(
        b,
        "为{},{}组织制作了本期视频。",
        r.pick(ACTIONS),
        r.pick(SUBJECTS)
    );
    paragraph(r, 1, 4, &mut b);
    let (min, sec) = metas[me]
        .duration
        .as_deref()
        .and_then(|d| d.split_once(':'))
        .unwrap_or(("1", "0"));
    let _ = write!(
        b,
        "本片时长约{}分{}秒,配有中文字幕。可[下载视频文件](video.mp4)或[下载字幕文件](captions.vtt)。\n\n",
        min.trim_start_matches('0'),
        sec.parse::<u32>().unwrap_or(0)
    );
    let (t, u) = link_to(r, metas, me);
    let _ = writeln!(b, "相关内容:[《{t}》]({u})");
    b
}

fn vtt(r: &mut Rng) -> String {
    let mut s = String::from("WEBVTT\n\n");
    let cues = r.range(4, 9);
    let start = r.below(CUES.len() as u64);
    for i in 0..cues {
        let (a, z) = (i * 4, i * 4 + 4);
        let _ = write!(
            s,
            "{}\n00:{:02}:{:02}.000 --> 00:{:02}:{:02}.000\n{}\n\n",
            i + 1,
            a / 60,
            a % 60,
            z / 60,
            z % 60,
            CUES[((start + i) % CUES.len() as u64) as usize]
        );
    }
    s
}

fn fake_mp4(r: &mut Rng) -> Vec<u8> {
    // An `ftyp` box followed by random bytes: looks like an MP4 to `file`,
    // plays nowhere, costs ~500 bytes.
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    let n = r.range(300, 700);
    v.extend((0..n).map(|_| r.next() as u8));
    v
}

fn fake_jpg(r: &mut Rng) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    v.extend((0..r.range(100, 300)).map(|_| r.next() as u8));
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

fn toml_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn front_matter(m: &Meta) -> String {
    let mut f = String::from("+++\n");
    let _ = writeln!(f, "title = {}", toml_str(&m.title));
    let _ = writeln!(f, "date = {}", m.date.rfc3339());
    let tags: Vec<String> = m.tags.iter().map(|t| toml_str(t)).collect();
    let _ = writeln!(f, "tags = [{}]", tags.join(", "));
    if let Some(duration) = &m.duration {
        // gongkai's own `[video]` table; Hugo reads it as .Params.video.
        f.push_str("\n[video]\nfile = \"video.mp4\"\nposter = \"poster.jpg\"\ncaptions = \"captions.vtt\"\n");
        let _ = writeln!(f, "duration = \"{duration}\"");
    }
    f.push_str("\n[extra]\n");
    let _ = writeln!(f, "source = {}", toml_str(SOURCE));
    f.push_str("+++\n\n");
    f
}

/// A section's `_index.md`. `weight` orders sibling sections (year and month folders, newest
/// first); gongkai and Hugo both sort sections by it, so both list them in the same order.
fn section_index(title: &str, weight: Option<i64>, body: &str) -> String {
    let weight = weight
        .map(|w| format!("weight = {w}\n"))
        .unwrap_or_default();
    format!(
        "+++\ntitle = {}\nsort_by = \"date\"\npaginate_by = 10\n{weight}+++\n\n{body}",
        toml_str(title)
    )
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut f = io::BufWriter::new(fs::File::create(path)?);
    f.write_all(bytes)?;
    f.flush()
}

struct Stats {
    sections: BTreeMap<String, usize>, // folder -> direct page count
    terms: BTreeMap<&'static str, usize>,
    report_chars: (usize, usize, usize),
    notice_chars: (usize, usize, usize),
}

fn track(range: &mut (usize, usize, usize), n: usize) {
    range.0 = range.0.min(n);
    range.1 = range.1.max(n);
    range.2 += n;
}

fn write_content(out: &Path, metas: &[Meta], layouts: [Layout; 3], seed: u64) -> io::Result<Stats> {
    let content = out.join("content");
    let mut stats = Stats {
        sections: BTreeMap::new(),
        terms: BTreeMap::new(),
        report_chars: (usize::MAX, 0, 0),
        notice_chars: (usize::MAX, 0, 0),
    };

    write_file(
        &content.join("_index.md"),
        "+++\ntitle = \"首页\"\n+++\n\n欢迎访问示例区政府信息公开基准站点。\n".as_bytes(),
    )?;
    for (k, kind) in KINDS.into_iter().enumerate() {
        write_file(
            &content.join(kind.dir()).join("_index.md"),
            section_index(kind.title(), None, &format!("{}\n", kind.description())).as_bytes(),
        )?;
        stats.sections.insert(kind.dir().to_string(), 0);
        if layouts[k] != Layout::Flat {
            for y in FIRST_YEAR..=LAST_YEAR {
                let year_dir = format!("{}/{y}", kind.dir());
                write_file(
                    &content.join(&year_dir).join("_index.md"),
                    section_index(
                        &format!("{y}年{}", kind.title()),
                        Some(LAST_YEAR - y + 1),
                        "",
                    )
                    .as_bytes(),
                )?;
                stats.sections.insert(year_dir.clone(), 0);
                if layouts[k] == Layout::Month {
                    for mo in 1..=12 {
                        let month_dir = format!("{year_dir}/{mo:02}");
                        write_file(
                            &content.join(&month_dir).join("_index.md"),
                            section_index(
                                &format!("{y}年{mo}月{}", kind.title()),
                                Some(13 - mo),
                                "",
                            )
                            .as_bytes(),
                        )?;
                        stats.sections.insert(month_dir, 0);
                    }
                }
            }
        }
    }

    for (i, m) in metas.iter().enumerate() {
        // A second stream for the body, independent of the one used for metadata.
        let mut r = Rng::for_page(seed.rotate_left(17) ^ 0x5EED, m.kind, m.number);
        let body = match m.kind {
            Kind::Report => report_body(&mut r, metas, i),
            Kind::Video => video_body(&mut r, metas, i),
            Kind::Notice => notice_body(&mut r, metas, i),
        };
        match m.kind {
            Kind::Report => track(&mut stats.report_chars, cjk_len(&body)),
            Kind::Notice => track(&mut stats.notice_chars, cjk_len(&body)),
            Kind::Video => {}
        }
        let mut text = front_matter(m);
        text.push_str(&body);
        let dir = content.join(&m.folder);
        if m.kind == Kind::Video {
            let bundle = dir.join(m.slug());
            write_file(&bundle.join("index.md"), text.as_bytes())?;
            write_file(&bundle.join("video.mp4"), &fake_mp4(&mut r))?;
            write_file(&bundle.join("captions.vtt"), vtt(&mut r).as_bytes())?;
            write_file(&bundle.join("poster.jpg"), &fake_jpg(&mut r))?;
        } else {
            write_file(&dir.join(format!("{}.md", m.slug())), text.as_bytes())?;
        }
        *stats.sections.entry(m.folder.clone()).or_insert(0) += 1;
        for t in &m.tags {
            *stats.terms.entry(t).or_insert(0) += 1;
        }
    }
    Ok(stats)
}

/// The newest non-empty folder of each kind: the index page lists its 10
/// newest pages. Both template sets name the same folder, so they list the
/// same pages without relying on `transparent` sections or recursive lists.
fn latest_folders(metas: &[Meta]) -> [String; 3] {
    let mut latest: [Option<&Meta>; 3] = [None, None, None];
    for m in metas {
        let slot = &mut latest[m.kind as usize];
        if slot.is_none_or(|l| m.date > l.date) {
            *slot = Some(m);
        }
    }
    KINDS.map(|k| latest[k as usize].map_or_else(|| k.dir().to_string(), |m| m.folder.clone()))
}

// ---------------------------------------------------------------------------
// gongkai: site.toml and templates (minijinja, Zola variable names)
// ---------------------------------------------------------------------------

const SITE_TOML: &str = r#"# gongkai configuration for the benchmark corpus (generated by examples/corpus.rs)
base_url = "https://bench.example.gov.cn"
title = "基准站点"

[taxonomies.tags]
title = "标签"
paginate_by = 10
"#;

const G_BASE: &str = r##"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ config.title }}{% endblock %}</title>
</head>
<body>
<header>
<a href="/">{{ config.title }}</a>
<nav aria-label="栏目导航">
<ul>
<li><a href="/reports/">工作报告</a></li>
<li><a href="/videos/">政务视频</a></li>
<li><a href="/notices/">通知公告</a></li>
<li><a href="/tags/">标签</a></li>
</ul>
</nav>
</header>
<main>
{% block content %}{% endblock %}
</main>
<footer><p>主办单位:示例区人民政府</p></footer>
</body>
</html>
"##;

const G_INDEX: &str = r##"{% extends "base.html" %}
{% block content %}
<h1>{{ section.title }}</h1>
{% for paths in [@@LATEST@@] %}
{% set top = get_section(path=paths[0]) %}
{% set latest = get_section(path=paths[1]) %}
<section>
<h2><a href="{{ top.permalink }}">{{ top.title }}</a></h2>
<ul>
{% for p in latest.pages[:10] %}
<li><a href="{{ p.permalink }}">{{ p.title }}</a> <time>{{ p.date | date(format="%Y-%m-%d") }}</time></li>
{% endfor %}
</ul>
</section>
{% endfor %}
{% endblock %}
"##;

const G_SECTION: &str = r##"{% extends "base.html" %}
{% block title %}{{ section.title }} - {{ config.title }}{% endblock %}
{% block content %}
<h1>{{ section.title }}</h1>
{% if section.subsections %}
<ul class="subsections">
{% for s in section.subsections %}
{% set sub = get_section(path=s) if s is string else s %}
<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>
{% endfor %}
</ul>
{% endif %}
<ul class="pages">
{% for page in paginator.pages %}
<li><a href="{{ page.permalink }}">{{ page.title }}</a> <time>{{ page.date | date(format="%Y-%m-%d") }}</time></li>
{% endfor %}
</ul>
<nav aria-label="分页">
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">上一页</a>{% endif %}
{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">下一页</a>{% endif %}
</nav>
{% endblock %}
"##;

const G_PAGE: &str = r##"{% extends "base.html" %}
{% block title %}{{ page.title }} - {{ config.title }}{% endblock %}
{% block content %}
<article>
<h1>{{ page.title }}</h1>
<p class="meta">来源:{{ page.extra.source }} 发布时间:<time>{{ page.date | date(format="%Y-%m-%d %H:%M") }}</time></p>
{% if page.video is defined and page.video %}
<video controls preload="none" src="{{ page.video.file }}" poster="{{ page.video.poster }}"><track kind="captions" src="{{ page.video.captions }}" srclang="zh" label="中文字幕" default></video>
{% endif %}
{{ page.content | safe }}
{#- Zola puts terms in page.taxonomies.tags; accept a flat page.tags too. #}
{% set tags = page.taxonomies.tags if (page.taxonomies is defined and page.taxonomies.tags is defined) else (page.tags if page.tags is defined else []) %}
{% if tags %}
<ul class="tags">
{% for t in tags %}
<li><a href="{{ get_taxonomy_url(kind="tags", name=t) }}">{{ t }}</a></li>
{% endfor %}
</ul>
{% endif %}
</article>
{% endblock %}
"##;

const G_TAX_LIST: &str = r##"{% extends "base.html" %}
{% block title %}标签 - {{ config.title }}{% endblock %}
{% block content %}
<h1>标签</h1>
<ul>
{% for term in terms %}
<li><a href="{{ term.permalink }}">{{ term.name }}</a> ({{ term.pages | length }})</li>
{% endfor %}
</ul>
{% endblock %}
"##;

const G_TAX_SINGLE: &str = r##"{% extends "base.html" %}
{% block title %}{{ term.name }} - {{ config.title }}{% endblock %}
{% block content %}
<h1>标签:{{ term.name }}</h1>
<ul class="pages">
{% for page in paginator.pages %}
<li><a href="{{ page.permalink }}">{{ page.title }}</a> <time>{{ page.date | date(format="%Y-%m-%d") }}</time></li>
{% endfor %}
</ul>
<nav aria-label="分页">
{% if paginator.previous %}<a rel="prev" href="{{ paginator.previous }}">上一页</a>{% endif %}
{% if paginator.next %}<a rel="next" href="{{ paginator.next }}">下一页</a>{% endif %}
</nav>
{% endblock %}
"##;

const G_404: &str = r##"{% extends "base.html" %}
{% block title %}页面未找到 - {{ config.title }}{% endblock %}
{% block content %}
<h1>页面未找到</h1>
<p>您访问的页面不存在,请返回<a href="/">首页</a>。</p>
{% endblock %}
"##;

// ---------------------------------------------------------------------------
// Hugo: hugo.toml and layouts producing the same pages
// ---------------------------------------------------------------------------

/// `paginate` is the key Debian's Hugo 0.111 reads; Hugo >= 0.128 reads
/// `[pagination] pagerSize` and only warns about `paginate`, so both are set.
const HUGO_TOML: &str = r#"# Hugo configuration for the benchmark corpus (generated by examples/corpus.rs).
# Same content tree as gongkai; outputs limited to what gongkai renders:
# home, sections, pages, tag list, tag pages, 404. No RSS, sitemap or robots.txt.
baseURL = "https://bench.example.gov.cn/"
title = "基准站点"
languageCode = "zh-CN"
contentDir = "../content"
disableKinds = ["RSS", "sitemap", "robotsTXT"]
paginate = 10
disableHugoGeneratorInject = true

[pagination]
pagerSize = 10

[taxonomies]
tag = "tags"
"#;

const H_BASEOF: &str = r##"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
</head>
<body>
<header>
<a href="/">{{ site.Title }}</a>
<nav aria-label="栏目导航">
<ul>
<li><a href="/reports/">工作报告</a></li>
<li><a href="/videos/">政务视频</a></li>
<li><a href="/notices/">通知公告</a></li>
<li><a href="/tags/">标签</a></li>
</ul>
</nav>
</header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer><p>主办单位:示例区人民政府</p></footer>
</body>
</html>
"##;

const H_INDEX: &str = r##"{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ range slice @@LATEST@@ }}
{{ $top := site.GetPage (index . 0) }}
{{ $latest := site.GetPage (index . 1) }}
<section>
<h2><a href="{{ $top.Permalink }}">{{ $top.Title }}</a></h2>
<ul>
{{ range first 10 $latest.RegularPages }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
</section>
{{ end }}
{{ end }}
"##;

const H_LIST: &str = r##"{{ define "title" }}{{ .Title }} - {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Sections }}
<ul class="subsections">
{{ range . }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a></li>
{{ end }}
</ul>
{{ end }}
{{ $pag := .Paginate .RegularPages }}
<ul class="pages">
{{ range $pag.Pages }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
<nav aria-label="分页">
{{ if $pag.HasPrev }}<a rel="prev" href="{{ $pag.Prev.URL | absURL }}">上一页</a>{{ end }}
{{ if $pag.HasNext }}<a rel="next" href="{{ $pag.Next.URL | absURL }}">下一页</a>{{ end }}
</nav>
{{ end }}
"##;

const H_SINGLE: &str = r##"{{ define "title" }}{{ .Title }} - {{ site.Title }}{{ end }}
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p class="meta">来源:{{ .Params.extra.source }} 发布时间:<time>{{ .Date.Format "2006-01-02 15:04" }}</time></p>
{{ with .Params.video }}
<video controls preload="none" src="{{ .file }}" poster="{{ .poster }}"><track kind="captions" src="{{ .captions }}" srclang="zh" label="中文字幕" default></video>
{{ end }}
{{ .Content }}
{{ with .GetTerms "tags" }}
<ul class="tags">
{{ range . }}
<li><a href="{{ .Permalink }}">{{ .LinkTitle }}</a></li>
{{ end }}
</ul>
{{ end }}
</article>
{{ end }}
"##;

const H_TERMS: &str = r##"{{ define "title" }}标签 - {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>标签</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}
<li><a href="{{ .Page.Permalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}
</ul>
{{ end }}
"##;

const H_TAXONOMY: &str = r##"{{ define "title" }}{{ .Title }} - {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>标签:{{ .Title }}</h1>
{{ $pag := .Paginate .Pages }}
<ul class="pages">
{{ range $pag.Pages }}
<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}
</ul>
<nav aria-label="分页">
{{ if $pag.HasPrev }}<a rel="prev" href="{{ $pag.Prev.URL | absURL }}">上一页</a>{{ end }}
{{ if $pag.HasNext }}<a rel="next" href="{{ $pag.Next.URL | absURL }}">下一页</a>{{ end }}
</nav>
{{ end }}
"##;

const H_404: &str = r##"{{ define "title" }}页面未找到 - {{ site.Title }}{{ end }}
{{ define "main" }}
<h1>页面未找到</h1>
<p>您访问的页面不存在,请返回<a href="/">首页</a>。</p>
{{ end }}
"##;

fn write_site_files(out: &Path, latest: &[String; 3]) -> io::Result<()> {
    write_file(&out.join("site.toml"), SITE_TOML.as_bytes())?;

    let g_latest: Vec<String> = KINDS
        .iter()
        .zip(latest)
        .map(|(k, l)| format!("[\"{}/_index.md\", \"{l}/_index.md\"]", k.dir()))
        .collect();
    let t = out.join("templates");
    write_file(&t.join("base.html"), G_BASE.as_bytes())?;
    write_file(
        &t.join("index.html"),
        G_INDEX
            .replace("@@LATEST@@", &g_latest.join(", "))
            .as_bytes(),
    )?;
    write_file(&t.join("section.html"), G_SECTION.as_bytes())?;
    write_file(&t.join("page.html"), G_PAGE.as_bytes())?;
    write_file(&t.join("taxonomy_list.html"), G_TAX_LIST.as_bytes())?;
    write_file(&t.join("taxonomy_single.html"), G_TAX_SINGLE.as_bytes())?;
    write_file(&t.join("404.html"), G_404.as_bytes())?;

    let h_latest: Vec<String> = KINDS
        .iter()
        .zip(latest)
        .map(|(k, l)| format!("(slice \"/{}\" \"/{l}\")", k.dir()))
        .collect();
    let h = out.join("hugo");
    write_file(&h.join("hugo.toml"), HUGO_TOML.as_bytes())?;
    let l = h.join("layouts");
    write_file(&l.join("_default/baseof.html"), H_BASEOF.as_bytes())?;
    write_file(
        &l.join("index.html"),
        H_INDEX
            .replace("@@LATEST@@", &h_latest.join(" "))
            .as_bytes(),
    )?;
    write_file(&l.join("_default/list.html"), H_LIST.as_bytes())?;
    write_file(&l.join("_default/single.html"), H_SINGLE.as_bytes())?;
    write_file(&l.join("_default/terms.html"), H_TERMS.as_bytes())?;
    write_file(&l.join("_default/taxonomy.html"), H_TAXONOMY.as_bytes())?;
    write_file(&l.join("404.html"), H_404.as_bytes())?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Manifest and command line
// ---------------------------------------------------------------------------

fn pagers(n: usize, per: usize) -> usize {
    n.div_ceil(per).max(1)
}

fn write_manifest(
    out: &Path,
    args: &Args,
    counts: [usize; 3],
    layouts: [Layout; 3],
    stats: &Stats,
) -> io::Result<String> {
    let section_pagers: usize = stats.sections.values().map(|&n| pagers(n, 10)).sum();
    let term_pagers: usize = stats.terms.values().map(|&n| pagers(n, 10)).sum();
    // home + pages + section pagers + tag list + tag pagers + 404
    let expected = 1 + args.pages + section_pagers + 1 + term_pagers + 1;
    let avg = |r: (usize, usize, usize), n: usize| r.2.checked_div(n).unwrap_or(0);
    let rc = stats.report_chars;
    let nc = stats.notice_chars;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Generated by `cargo run --release --example corpus`. Do not edit."
    );
    let _ = writeln!(s, "generator = \"gongkai examples/corpus.rs v1\"");
    let _ = writeln!(s, "pages = {}\nseed = {}", args.pages, args.seed);
    let _ = writeln!(
        s,
        "reports = {}\nvideos = {}\nnotices = {}",
        counts[0], counts[1], counts[2]
    );
    let _ = writeln!(
        s,
        "layout = {{ reports = \"{}\", videos = \"{}\", notices = \"{}\" }}",
        layouts[0].name(),
        layouts[1].name(),
        layouts[2].name()
    );
    let _ = writeln!(
        s,
        "sections = {}  # not counting the home page",
        stats.sections.len()
    );
    let _ = writeln!(s, "tags = {}", stats.terms.len());
    let _ = writeln!(s, "video_assets = {}", counts[1] * 3);
    let _ = writeln!(
        s,
        "report_chars = {{ min = {}, max = {}, avg = {} }}",
        if counts[0] == 0 { 0 } else { rc.0 },
        rc.1,
        avg(rc, counts[0])
    );
    let _ = writeln!(
        s,
        "notice_chars = {{ min = {}, max = {}, avg = {} }}",
        if counts[2] == 0 { 0 } else { nc.0 },
        nc.1,
        avg(nc, counts[2])
    );
    let _ = writeln!(s, "\n[expected_html]");
    let _ = writeln!(
        s,
        "# HTML documents a build should write with 10 items per pager, not counting"
    );
    let _ = writeln!(
        s,
        "# redirect stubs (Hugo writes one for page/1/ of every paginated list)."
    );
    let _ = writeln!(s, "pages = {}", args.pages);
    let _ = writeln!(s, "section_pagers = {section_pagers}");
    let _ = writeln!(s, "term_pagers = {term_pagers}");
    let _ = writeln!(s, "home = 1\ntag_list = 1\nnot_found = 1");
    let _ = writeln!(s, "total = {expected}");
    write_file(&out.join("corpus.toml"), s.as_bytes())?;
    Ok(s)
}

struct Args {
    pages: usize,
    out: PathBuf,
    seed: u64,
}

const USAGE: &str = "usage: corpus --pages N --out DIR [--seed S]

Writes a benchmark corpus of N pages (30% reports, 20% video bundles, 50%
notices) to DIR/content, with gongkai's DIR/site.toml + DIR/templates and a
Hugo site in DIR/hugo using the same content. An existing DIR is replaced only
if it holds a corpus.toml from an earlier run.";

fn parse_args() -> Result<Args, String> {
    let mut pages = None;
    let mut out = None;
    let mut seed = 42u64;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--pages" | "-n" => {
                let v = value("--pages")?;
                pages = Some(
                    v.replace('_', "")
                        .parse::<usize>()
                        .map_err(|_| format!("--pages: not a number: {v}"))?,
                );
            }
            "--out" | "-o" => out = Some(PathBuf::from(value("--out")?)),
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: not a number: {v}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    let pages = pages.ok_or("--pages is required")?;
    if pages == 0 {
        return Err("--pages must be at least 1".into());
    }
    let out = out.ok_or("--out is required")?;
    Ok(Args { pages, out, seed })
}

/// Refuses to touch a non-empty folder that is not an earlier corpus.
fn prepare_out(out: &Path) -> io::Result<()> {
    if out.exists() {
        let non_empty = fs::read_dir(out)?.next().is_some();
        if non_empty && !out.join("corpus.toml").is_file() {
            return Err(io::Error::other(format!(
                "{} exists, is not empty and holds no corpus.toml; refusing to overwrite it",
                out.display()
            )));
        }
        for sub in ["content", "templates", "hugo"] {
            let p = out.join(sub);
            if p.exists() {
                fs::remove_dir_all(&p)?;
            }
        }
    }
    fs::create_dir_all(out)
}

fn run(args: &Args) -> io::Result<String> {
    prepare_out(&args.out)?;
    let (metas, counts, layouts) = make_metas(args.pages, args.seed);
    let stats = write_content(&args.out, &metas, layouts, args.seed)?;
    write_site_files(&args.out, &latest_folders(&metas))?;
    write_manifest(&args.out, args, counts, layouts, &stats)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("corpus: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    match run(&args) {
        Ok(manifest) => {
            eprintln!(
                "corpus: wrote {} pages to {} in {:.1}s",
                args.pages,
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            print!("{manifest}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("corpus: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
