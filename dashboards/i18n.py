"""Every label the dashboard shows, in Chinese and English. Metric names, units and definitions come
from the metric catalog (dim_metrics); institute and group names from their dimensions; coded values
from dim_code_labels. Only the interface's own words live here."""
from __future__ import annotations

import math

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT = {
    "app_title": ("头雁 · 机构科研与服务指标", "Touyan · Institute KPIs"),
    "overview": ("总览", "Overview"),
    "institute": ("机构", "Institute"),
    "compare": ("对比", "Compare"),
    "quality": ("数据质量", "Data quality"),
    "definitions": ("指标说明", "Definitions"),
    "year": ("年度", "Year"),
    "year_a": ("对比年度", "Compare year"),
    "year_b": ("基准年度", "Against year"),
    "group": ("对比组", "Peer group"),
    "metric": ("指标", "Metric"),
    "yoy": ("同比", "YoY"),
    "rank": ("排名", "Rank"),
    "target": ("目标", "Target"),
    "attainment": ("完成率", "Attainment"),
    "share": ("占比", "Share of group"),
    "per_100_staff": ("每百名职工", "Per 100 staff"),
    "value": ("数值", "Value"),
    "count": ("数量", "Count"),
    "group_mean": ("组内平均", "Group average"),
    "as_of": ("数据截至", "Data as of"),
    "run": ("批次", "run"),
    "files": ("报送文件", "source files"),
    "quarantined": ("隔离行", "quarantined rows"),
    "see_quality": ("查看数据质量", "see data quality"),
    "leaderboard": ("排行榜", "Leaderboard"),
    "trend": ("历年趋势", "Trend"),
    "records": ("明细记录", "Records behind the number"),
    "rows_shown": ("显示前 {shown} 行，共 {total} 行；下载 CSV 或 XLSX 可得全部。",
                   "The first {shown} of {total} rows; download CSV or XLSX for all of them."),
    "records_hint": ("点击趋势图中的某一年查看该年明细（含来源文件与行号）",
                     "Click a year in the trend to list its records (with source file and row)"),
    "not_reported": ("未报送", "not reported"),
    "small_base": ("基数较小", "small base"),
    "no_data": ("暂无数据", "No data"),
    "login_title": ("登录", "Log in"),
    "login_username": ("用户名", "User name"),
    "login_password": ("密码", "Password"),
    "login_submit": ("登录", "Log in"),
    "login_failed": ("用户名或密码错误，或账户已停用、暂时锁定。多次输错后账户会锁定一段时间；如需帮助请联系管理员。",
                     "Wrong user name or password, or the account is disabled or locked for a while after "
                     "repeated failures. Ask your administrator for help."),
    "login_wait": ("登录失败次数过多，请 {seconds} 秒后再试。", "Too many failed logins: try again in {seconds} s."),
    "login_form_expired": ("登录表单已过期，请重新输入。", "The login form expired: please enter your details again."),
    "login_no_accounts": ("尚无任何账户。请在服务器上创建第一个管理员：", "No account yet. Create the first administrator on the server:"),
    "logout": ("退出", "Log out"),
    "dev_mode": ("开发模式：本机分析员，无需登录（仅 127.0.0.1）", "Development mode: local analyst, no login (127.0.0.1 only)"),
    "role_admin": ("管理员", "administrator"),
    "role_analyst": ("分析员", "analyst"),
    "role_leader": ("领导", "leader"),
    "role_institute": ("机构用户", "institute"),
    # the admin pages (dashboards/server/admin.py): the audit log and the accounts
    "admin_audit": ("审计日志", "Audit log"),
    "admin_users": ("账户", "Accounts"),
    "admin_back": ("返回看板", "Back to the dashboard"),
    "admin_time": ("时间", "Time"),
    "admin_user": ("用户", "User"),
    "admin_event": ("事件", "Event"),
    "admin_detail": ("详情", "Detail"),
    "admin_detail_json": ("详情（JSON）", "Detail (JSON)"),
    "admin_event_code": ("事件代码", "Event code"),
    "admin_client": ("客户端地址", "Client address"),
    "admin_from": ("起始日期", "From"),
    "admin_to": ("截止日期", "To"),
    "admin_all_events": ("全部事件", "All events"),
    "admin_filter": ("筛选", "Filter"),
    "admin_clear": ("清除筛选", "Clear"),
    "admin_csv": ("导出 CSV", "Export CSV"),
    "admin_count": ("共 {total} 条 · 第 {page} / {pages} 页", "{total} events · page {page} of {pages}"),
    "admin_newer": ("← 较新", "← Newer"),
    "admin_older": ("较旧 →", "Older →"),
    "admin_none": ("没有符合条件的记录。", "No events match."),
    "admin_bad_filter": ("筛选条件无效", "Invalid filter"),
    "admin_name": ("姓名", "Name"),
    "admin_role": ("角色", "Role"),
    "admin_scope": ("范围", "Scope"),
    "admin_disabled": ("已停用", "Disabled"),
    "admin_locked": ("锁定至", "Locked until"),
    "admin_last_login": ("最近登录", "Last login"),
    "admin_created": ("创建于", "Created"),
    "admin_yes": ("是", "yes"),
    "admin_users_hint": ("账户在服务器上用命令行管理：", "Accounts are managed on the server's command line:"),
    "event_login": ("登录", "login"),
    "event_login_failed": ("登录失败", "failed login"),
    "event_logout": ("退出", "logout"),
    "event_page_view": ("浏览页面", "page view"),
    "event_export": ("导出", "export"),
    "event_user_added": ("添加用户", "user added"),
    "event_user_disabled": ("停用用户", "user disabled"),
    "event_password_reset": ("重置密码", "password reset"),
    "detail_page": ("页面", "page"),
    "detail_query": ("筛选", "filters"),
    "detail_what": ("内容", "what"),
    "detail_format": ("格式", "format"),
    "detail_reason": ("原因", "reason"),
    "detail_locked_until": ("锁定至 (UTC)", "locked until (UTC)"),
    "detail_role": ("角色", "role"),
    "detail_institute_id": ("机构", "institute"),
    "detail_scope": ("范围", "scope"),
    "reason_unknown_user": ("无此用户", "unknown user"),
    "reason_disabled": ("账户已停用", "account disabled"),
    "reason_locked": ("账户已锁定", "account locked"),
    "reason_wrong_password": ("密码错误", "wrong password"),
    "not_allowed": ("你的账户无权查看此页。", "Your account may not see this page."),
    "release_latest": ("最新", "Latest"),
    "release_official": ("{year} 年报口径", "Official {year}"),
    "release_choice": ("数据口径", "Figures"),
    "revised": ("已修订", "revised"),
    "revised_detail": ("年报口径 {official} → 最新 {latest}", "official {official} → latest {latest}"),
    "not_published": ("尚未发布数据：请先运行 make refresh", "Nothing published yet: run `make refresh`"),
    "rank_heatmap": ("历年排名", "Rank by year"),
    "count_vs_intensity": ("规模与强度", "Size and intensity"),
    "yoy_ranked": ("同比变化排序", "YoY change, ranked"),
    "side_by_side": ("两年对比", "Year against year"),
    # peer benchmarks (the compare page's 同类对标 section: dashboards/pages/compare.py)
    "peer_benchmarks": ("同类对标", "Peer benchmarks"),
    "metric_b": ("对标指标 B", "Metric B"),
    "peer_group": ("同类组", "Peer group"),
    "peer_median": ("同类中位数", "Peer median"),
    "peer_ratio": ("与中位数之比", "Value / median"),
    "peer_percentile": ("同类百分位", "Percentile"),
    "peer_n": ("同类家数", "Peers"),
    "peer_about": ("{year} 年 · 指标 A：{metric}。同类 = 所属同类组中报送该指标的机构（含自身）；与中位数之比 1.0 = 中位数；"
                   "百分位按指标方向（50 = 居中，并列取中）。",
                   "{year} · metric A: {metric}. Peers = the institutes of its peer group reporting the metric, itself "
                   "included; value / median 1.0 = the median; percentile by the metric's direction (50 = the "
                   "middle, ties share it)."),
    "peer_small": ("同类仅 {n} 家，百分位仅供参考", "Only {n} peers: percentiles are coarse"),
    "peer_hidden": ("按数据访问规则，此处不向您的账户显示同类对标数值（否则可能推算出其他机构的数据）。",
                    "Under the data access rule the peer benchmarks are not shown to your account here (they could "
                    "let other institutes' figures be worked out)."),
    "peer_pair": ("{a} 与 {b}：与同类中位数之比", "{a} and {b} against the peer median"),
    "peer_axis": ("{name} ÷ 同类中位数", "{name} ÷ peer median"),
    "download": ("下载", "Download"),
    "by_file_reason": ("按文件与原因统计的隔离行", "Quarantined rows by file and reason"),
    "last_run": ("最近一次发布的刷新", "Last published refresh"),
    "stage": ("阶段", "Stage"),
    "seconds": ("秒", "s"),
    "gx_report": ("质量校验报告（Great Expectations）", "Quality gate reports (Great Expectations)"),
    "refresh_failed": ("最近一次刷新失败", "The latest refresh failed"),
    "what_to_do": ("处理办法", "What to do"),
    "shown_published": ("各页显示的仍是最近一次发布的数据", "The data shown is still the last published version"),
    "published_at": ("发布于", "published"),
    "nothing_shown": ("尚无已发布的数据", "Nothing has been published yet"),
    "definition": ("定义", "Definition"),
    "unit": ("单位", "Unit"),
    "direction": ("方向", "Direction"),
    "higher_is_better": ("越高越好", "higher is better"),
    "lower_is_better": ("越低越好", "lower is better"),
    "language": ("English", "中文"),
    "source": ("来源", "Source"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "reason": ("原因", "Reason"),
    "column": ("列", "Column"),
    "reason_code": ("原因代码", "Reason code"),
    "original": ("原始内容", "Original cells"),
    # the institute's submission pages (dashboards/server/portal.py)
    "portal_title": ("在线报送", "Submit data"),
    "portal_datasets": ("可报送的数据集", "Datasets to submit"),
    "portal_dataset": ("数据集", "Dataset"),
    "portal_dataset_project_counts": ("科研项目统计", "Research projects"),
    "portal_dataset_ip_items": ("知识产权清单", "Intellectual property"),
    "portal_dataset_standards": ("标准起草清单", "Standards drafted"),
    "portal_dataset_volunteer_hours": ("志愿服务台账", "Volunteer service"),
    "portal_dataset_staff": ("职工人数", "Staff"),
    "portal_dataset_units": ("内设机构名录", "Units register"),
    "portal_dataset_awards": ("科技奖励", "Awards"),
    "portal_dataset_papers": ("论文", "Papers"),
    "portal_dataset_talent_titles": ("人才称号", "Talent titles"),
    "portal_year": ("报送年度", "Reporting year"),
    "portal_deadline": ("截止日期", "Deadline"),
    "portal_template": ("下载模板（已填本单位名称）", "Download the template (your institute filled in)"),
    "portal_upload": ("上传文件", "Upload a file"),
    "portal_upload_hint": ("支持 CSV、XLSX、XLS、ODS，最大 {mb} MB。上传后立即检查，结果显示在下一页。",
                           "CSV, XLSX, XLS or ODS, at most {mb} MB. The file is checked at once; the result is shown on the next page."),
    "portal_file": ("文件", "File"),
    "portal_upload_button": ("上传并检查", "Upload and check"),
    "portal_mine": ("本单位的报送", "Your institute's submissions"),
    "portal_none": ("还没有报送。", "Nothing submitted yet."),
    "portal_version": ("版本", "Version"),
    "portal_status": ("状态", "Status"),
    "portal_uploaded": ("上传", "Uploaded"),
    "portal_by": ("上传人", "By"),
    "portal_original_name": ("原文件名", "File name"),
    "portal_comment": ("审核意见", "Review comment"),
    "portal_open": ("查看", "Open"),
    "portal_status_checking": ("检查中", "being checked"),
    "portal_status_draft": ("已检查（未提交）", "checked (not sent)"),
    "portal_status_submitted": ("已提交，待审核", "sent, awaiting review"),
    "portal_status_returned": ("已退回", "returned"),
    "portal_status_accepted": ("已接收", "accepted"),
    "portal_status_replaced": ("已被新版本取代", "replaced by a newer version"),
    "portal_status_failed": ("检查未完成（系统错误），请重新上传", "the check broke (a system error): upload again"),
    "portal_stage_queued": ("排队等待检查", "waiting to be checked"),
    "portal_more_findings": ("此处列出前 {shown} 条（共 {total} 条）；全部见标注文件中的“检查结果”工作表。其余警告请在下方对整个文件统一说明。",
                             "The first {shown} of {total} are listed; all of them are on the annotated copy's report "
                             "sheet. Explain the warnings beyond them once for the whole file below."),
    "portal_stage_ids": ("查找身份证号（保存前替换为人员标识）", "looking for ID numbers (replaced by person keys before it is kept)"),
    "portal_ids_replaced": ("文件中的 {n} 个身份证号已替换为人员标识（pid_…）后保存，号码本身不保存；标注文件中显示的也是人员标识。",
                            "{n} ID numbers in the file were replaced by person keys (pid_…) before it was kept; the numbers "
                            "are not kept, and the annotated copy shows the keys."),
    "portal_stage_register": ("读取机构名录", "reading the register"),
    "portal_stage_read": ("读取文件", "reading the file"),
    "portal_stage_check": ("逐行检查", "checking each row"),
    "portal_checking": ("正在检查文件：{stage}……本页每秒自动刷新。", "Checking the file: {stage}… this page refreshes every second."),
    "portal_report": ("检查结果", "Check report"),
    "portal_rows_read": ("读取行数", "Rows read"),
    "portal_accepted": ("通过行数", "Rows accepted"),
    "portal_rows_with_errors": ("有错误的行", "Rows with errors"),
    "portal_errors": ("错误", "Errors"),
    "portal_warnings": ("警告", "Warnings"),
    "portal_check_seconds": ("检查用时 {s} 秒", "checked in {s} s"),
    "portal_errors_block": ("有错误的文件不能提交：请按下表改正后重新上传。", "A file with errors cannot be sent: correct them as listed below and upload it again."),
    "portal_no_findings": ("没有发现错误或警告。", "No errors or warnings."),
    "portal_severity": ("类别", "Kind"),
    "portal_error": ("错误", "error"),
    "portal_warning": ("警告", "warning"),
    "portal_sheet": ("工作表", "Sheet"),
    "portal_row": ("行", "Row"),
    "portal_column": ("列", "Column"),
    "portal_value": ("填写内容", "Value"),
    "portal_message": ("说明", "Message"),
    "portal_whole_file": ("整个文件", "the whole file"),
    "portal_annotated": ("下载标注后的文件（错误单元格已标出）", "Download the annotated copy (the cells marked)"),
    "portal_figure": ("本年度数值 {this}；上一年度已发布 {last}", "This year's figure {this}; last year's published {last}"),
    "portal_explain": ("说明（每条警告需说明原因，或在下方对整个文件统一说明）",
                       "Explanation (each warning needs one, or write one for the whole file below)"),
    "portal_explain_file": ("对整个文件的说明（上报说明）", "An explanation for the whole file"),
    "portal_send": ("提交审核", "Send for review"),
    "portal_explanations": ("报送说明", "Explanations"),
    "portal_reviewed": ("审核：{who}，{when}", "Reviewed by {who}, {when}"),
    "portal_submitted_at": ("提交于", "Sent"),
    "portal_review": ("审核", "Review"),
    "portal_accept": ("接收", "Accept"),
    "portal_return": ("退回", "Return"),
    "portal_review_comment": ("意见（退回时必填）", "Comment (required to return)"),
    "portal_review_button": ("确认", "Confirm"),
    "portal_back": ("返回报送", "Back to submissions"),
    "portal_too_large": ("文件太大：最大 {mb} MB。请删去无关的工作表或另存为 CSV 后重新上传。",
                         "The file is too large: at most {mb} MB. Remove unrelated sheets or save it as CSV, then upload it again."),
    "portal_bad_form": ("请选择数据集、年度和文件。", "Choose a dataset, a year and a file."),
    "portal_annotated_failed": ("无法生成标注文件：", "The annotated copy could not be made: "),
    # the analyst's and leader's side of online submission (dashboards/server/review.py)
    "submit": ("报送", "Submit"),
    "review": ("审核", "Review"),
    "tracker": ("报送进度", "Tracker"),
    "refresh_now": ("立即刷新", "Refresh now"),
    "review_sent": ("已报送（待审核、退回、通过）", "Sent (waiting, returned, accepted)"),
    "review_all_versions": ("全部版本", "Every version"),
    "review_all": ("全部", "All"),
    "review_waiting": ("待审核 {n} 份。", "{n} waiting for review."),
    "review_version": ("版本", "Version"),
    "review_rows": ("读取 / 接受行数", "Rows read / accepted"),
    "review_errors_warnings": ("错误 / 警告", "Errors / warnings"),
    "review_uploaded": ("上传人 · 时间", "Uploaded by · at"),
    "review_comment": ("审核意见", "Review comment"),
    "review_open": ("查看", "Open"),
    "review_none": ("没有符合条件的报送。", "No submission matches."),
    "review_back": ("返回该报送", "Back to the submission"),
    "refresh_hint": ("刷新在后台运行（约需一分钟），期间看板照常使用；完成后新数据自动生效。",
                     "The refresh runs in the background (about a minute); the dashboard stays up meanwhile and "
                     "shows the new data once it is published."),
    "refresh_running_already": ("已有刷新正在运行，请等待其完成。", "A refresh is running: wait for it to finish."),
    "refresh_other": ("另一个命令正在写入数据文件夹", "Another command is writing the data folder"),
    "refresh_state_idle": ("尚未从此处启动过刷新", "No refresh started from here yet"),
    "refresh_state_running": ("刷新进行中……", "Refresh running…"),
    "refresh_state_finished": ("刷新完成，新数据已发布", "Refresh finished: the new data is published"),
    "refresh_state_failed": ("刷新失败，已发布的数据保持不变", "Refresh failed: the published data is unchanged"),
    "refresh_state_ended": ("刷新已结束（结果见日志）", "Refresh ended (see the log for its outcome)"),
    "refresh_exit_code": ("退出码", "exit code"),
    "refresh_started": ("开始于", "started"),
    "refresh_finished_at": ("结束于", "ended"),
    "tracker_institute_id": ("机构代码", "Institute id"),
    "tracker_institute": ("机构", "Institute"),
    "tracker_dataset": ("数据集", "Dataset"),
    "tracker_status": ("状态", "Status"),
    "tracker_deadline": ("截止日期", "Deadline"),
    "tracker_days_left": ("剩余天数", "Days left"),
    "tracker_days_left_n": ("剩余 {days} 天", "{days} days left"),
    "tracker_overdue": ("已逾期 {days} 天", "overdue by {days} days"),
    "tracker_missing": ("未报送", "not submitted"),
    "tracker_by_file": ("已有数据（文件报送）", "sent by file"),
    "tracker_checking": ("检查中", "being checked"),
    "tracker_draft": ("草稿", "draft"),
    "tracker_submitted": ("已报送待审核", "submitted"),
    "tracker_returned": ("已退回", "returned"),
    "tracker_accepted": ("已通过", "accepted"),
    "tracker_replaced": ("已被新版本替代", "replaced"),
    "tracker_failed": ("检查失败", "check failed"),
    "tracker_missing_xlsx": ("导出未报送清单（XLSX）", "Missing ones as XLSX"),
    "tracker_missing_sheet": ("未报送", "missing"),
    "tracker_missing_title": ("{year} 年度未报送及被退回的数据", "Not submitted or returned for {year}"),
    "event_refresh_started": ("启动刷新", "refresh started"),
    # the dashboard's units and new metrics (issue 23: dashboards/pages/institute.py, views/units.py, the
    # definitions page)
    "unit_control": ("内设机构", "Unit"),
    "whole_institute": ("全院", "Whole institute"),
    "units": ("内设机构一览", "Units"),
    "units_hint": ("点击名称查看该内设机构（含其下属单位）的数据", "Click a name to open the unit (with the units under it)"),
    "unit_name": ("内设机构", "Unit"),
    "unit_type": ("类型", "Type"),
    "rank_in_level": ("同级排名", "Rank among its level"),
    "share_of_institute": ("占全院比例", "Share of the institute"),
    "profile": ("成果概况", "Output profile"),
    "domain": ("领域", "Domain"),
    "domain_projects": ("科研项目", "Research projects"),
    "domain_ip": ("知识产权", "Intellectual property"),
    "domain_standards": ("标准", "Standards"),
    "domain_volunteer": ("志愿服务", "Volunteer service"),
    "domain_awards": ("科技奖励", "Awards"),
    "domain_papers": ("论文", "Papers"),
    "domain_talent": ("人才称号", "Talent titles"),
}


def t(key: str, lang: str) -> str:
    zh, en = TEXT[key]
    return en if lang == "en" else zh


def t_or(key: str, lang: str, default: str) -> str:
    """The label of `key` if there is one, else `default` (a code recorded that has no label yet)."""
    return t(key, lang) if key in TEXT else default


def pick(row, field: str, lang: str):
    """`name` of a dimension row in the language: row['name_zh'] or row['name_en']."""
    return row[column(field, lang)]


def column(field: str, lang: str) -> str:
    """The column of `field` in the language: name_zh or name_en."""
    return f"{field}_{'en' if lang == 'en' else 'zh'}"


def fmt_number(value, lang: str = "zh", decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return f"{value:,.{decimals}f}"


def release_label(release: int | None, lang: str) -> str:
    """Which version a view reads: 最新 / Latest, or 2024 年报口径 / Official 2024."""
    return t("release_latest", lang) if release is None else t("release_official", lang).format(year=release)


def fmt_value(value, qualifier=None, unit: str = "", lang: str = "zh") -> str:
    text = fmt_number(value, lang)
    if text == "—":
        return text
    prefix = "≥" if qualifier == "≥" else ""
    sep = "" if lang == "zh" else " "
    return f"{prefix}{text}{sep}{unit}".strip()


def fmt_pct(value, lang: str = "zh", signed: bool = True) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


def fmt_rank(rank, n, lang: str = "zh") -> str:
    if rank is None or n is None or (isinstance(rank, float) and math.isnan(rank)):
        return "—"
    return f"{int(rank)} / {int(n)}"
